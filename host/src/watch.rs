//! `--expect`/`--fail-on`: texts watched for in the console's output, on the front end's side of
//! the process boundary. The supervisor hands it the console output the board sends; when the
//! board asks for a verdict (it waits at each completed line while texts are watched, saying how
//! the output came in writes), [`Watch::judge`] looks at it write by write and says whether the
//! run ends. A match ends the run at the end of its line (or,
//! on a line that has not ended, at the next thing the program does that is not printing), so the
//! output keeps whole lines and the board stops at the simulated instant the text appeared.

use mpsim_sim_core::{EndReason, Verdict};

#[derive(Default)]
pub(crate) struct Watch {
    /// Texts that must all appear, and whether each did.
    expect: Vec<(String, bool)>,
    /// Texts that fail the run.
    fail_on: Vec<String>,
    /// The tail of the output, long enough for the longest text to straddle two writes (a
    /// write is looked at with it, so each byte is looked at a bounded number of times).
    seen: Vec<u8>,
    /// A match waiting for the end of its line.
    deferred: Option<EndReason>,
    /// A match whose line ended, not told to the board yet.
    now: Option<EndReason>,
    /// The board was told to stop: nothing new is matched (what appears still counts as seen).
    told: bool,
    /// Output not judged yet.
    pending: Vec<u8>,
}

/// Output kept for the next verdict at most; more is looked at at once.
const MAX_PENDING: usize = 1 << 20;

impl Watch {
    /// A watch for these texts; `None` when there is nothing to watch for.
    pub fn new(expect: Vec<String>, fail_on: Vec<String>) -> Option<Self> {
        if expect.is_empty() && fail_on.is_empty() {
            return None;
        }
        Some(Watch {
            expect: expect.into_iter().map(|e| (e, false)).collect(),
            fail_on,
            ..Watch::default()
        })
    }

    /// Console output from the board, to be judged at its next request.
    pub fn output(&mut self, bytes: &[u8]) {
        self.pending.extend_from_slice(bytes);
        if self.pending.len() > MAX_PENDING {
            let all = std::mem::take(&mut self.pending);
            self.feed(&all);
        }
    }

    /// The board waits: looks at the output since the last verdict, in the writes it came in
    /// (`writes`: their lengths), and answers.
    pub fn judge(&mut self, writes: &[u32]) -> Verdict {
        let all = std::mem::take(&mut self.pending);
        let mut rest = &all[..];
        for &n in writes {
            let (write, more) = rest.split_at((n as usize).min(rest.len()));
            self.feed(write);
            rest = more;
        }
        if !rest.is_empty() {
            self.feed(rest);
        }
        self.verdict()
    }

    /// The run ended: what came since the last verdict still counts as seen.
    pub fn finish(&mut self) {
        let all = std::mem::take(&mut self.pending);
        self.told = true;
        self.feed(&all);
    }

    /// Looks at one write of the console's output.
    fn feed(&mut self, bytes: &[u8]) {
        let stopping = self.told || self.now.is_some();
        if self.deferred.is_some() && bytes.contains(&b'\n') && !stopping {
            self.now = self.deferred.take();
        }
        self.seen.extend_from_slice(bytes);
        let text = String::from_utf8_lossy(&self.seen).replace("\r\n", "\n");
        let idle = !self.told && self.now.is_none() && self.deferred.is_none();
        let mut matched: Option<(EndReason, usize)> = None;
        if idle
            && let Some((f, at)) = self
                .fail_on
                .iter()
                .find_map(|f| text.rfind(f.as_str()).map(|at| (f, at + f.len())))
        {
            matched = Some((EndReason::FailOn(f.clone()), at));
        }
        let mut last_expect_end = 0;
        for (e, seen) in &mut self.expect {
            if !*seen && let Some(at) = text.find(e.as_str()) {
                *seen = true;
                last_expect_end = last_expect_end.max(at + e.len());
            }
        }
        if matched.is_none()
            && idle
            && !self.expect.is_empty()
            && self.expect.iter().all(|(_, s)| *s)
        {
            matched = Some((EndReason::Expected, last_expect_end));
        }
        if let Some((reason, end)) = matched {
            if text[end..].contains('\n') {
                self.now = Some(reason);
            } else {
                self.deferred = Some(reason);
            }
        }
        let longest = self
            .expect
            .iter()
            .map(|(e, _)| e.len())
            .chain(self.fail_on.iter().map(String::len))
            .max()
            .unwrap_or(0);
        // What a text may still straddle: the next write is looked at with this much before it.
        let keep = longest + 4;
        if self.seen.len() > keep {
            let cut = self.seen.len() - keep;
            self.seen.drain(..cut);
        }
    }

    /// The answer to a board that waits on the output fed so far.
    fn verdict(&mut self) -> Verdict {
        let v = Verdict {
            stop: self.now.take(),
            at_next_step: if self.told {
                None
            } else {
                self.deferred.clone()
            },
        };
        if v.stop.is_some() || v.at_next_step.is_some() {
            self.told = true;
        }
        v
    }

    /// The expected texts that never appeared.
    pub fn missing(&self) -> Vec<String> {
        self.expect
            .iter()
            .filter(|(_, seen)| !*seen)
            .map(|(e, _)| e.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judge(w: &mut Watch, writes: &[&[u8]]) -> Verdict {
        for b in writes {
            w.output(b);
        }
        let lens: Vec<u32> = writes.iter().map(|b| b.len() as u32).collect();
        w.judge(&lens)
    }

    #[test]
    fn a_match_ends_the_run_at_the_end_of_its_line_and_texts_may_straddle_writes() {
        let mut w = Watch::new(vec!["ALL OK".into()], vec!["FAIL".into()]).unwrap();
        assert_eq!(judge(&mut w, &[b"test 1 ALL "]), Verdict::default());
        // The text is whole, its line is not: the end waits for the newline, or the next step.
        assert_eq!(
            judge(&mut w, &[b"OK so far"]),
            Verdict {
                stop: None,
                at_next_step: Some(EndReason::Expected)
            }
        );
        assert!(w.missing().is_empty());

        let mut w = Watch::new(vec!["ALL OK".into()], Vec::new()).unwrap();
        let v = judge(&mut w, &[b"ALL OK so far", b"\r\nmore\r\n"]);
        assert_eq!(v.stop, Some(EndReason::Expected));

        let mut w = Watch::new(vec!["done".into()], vec!["FAIL".into()]).unwrap();
        let v = judge(&mut w, &[b"case 3 FAIL\r\n"]);
        assert_eq!(v.stop, Some(EndReason::FailOn("FAIL".into())));
        assert_eq!(w.missing(), vec!["done".to_owned()]);
        // Told to stop, the board is not told again; what follows still counts as seen.
        assert_eq!(judge(&mut w, &[b"done FAIL\r\n"]), Verdict::default());
        assert!(w.missing().is_empty());

        assert!(Watch::new(Vec::new(), Vec::new()).is_none());
    }

    #[test]
    fn output_is_judged_in_the_writes_it_came_in() {
        // An expected text ends an unfinished line; a fail-on text that follows on the same line
        // in a later write does not count, as the run ends first.
        let mut w = Watch::new(vec!["ready".into()], vec!["after".into()]).unwrap();
        let v = judge(&mut w, &[b"ready", b"after", b"\n"]);
        assert_eq!(v.stop, Some(EndReason::Expected));
        // In one write, the fail-on text is seen first.
        let mut w = Watch::new(vec!["ready".into()], vec!["after".into()]).unwrap();
        let v = judge(&mut w, &[b"readyafter\n"]);
        assert_eq!(v.stop, Some(EndReason::FailOn("after".into())));
        // Output after the last verdict counts as seen when the run ends.
        let mut w = Watch::new(vec!["a".into(), "b".into()], Vec::new()).unwrap();
        w.output(b"a b");
        assert_eq!(w.missing().len(), 2);
        w.finish();
        assert!(w.missing().is_empty());
    }
}
