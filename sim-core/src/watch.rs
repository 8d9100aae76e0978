//! `--expect`/`--fail-on`: texts watched for in the console's output. A match ends the run at the
//! end of its line (or at the next thing the program does that is not printing), so the output
//! keeps whole lines; it is matched on the board's side of the process boundary so that the run
//! stops at the simulated instant the text appears. `SimState` owns one; nothing else reaches its
//! fields.

use crate::api::EndReason;

#[derive(Default)]
pub(crate) struct Watch {
    /// Texts that must all appear, and whether each did.
    expect: Vec<(String, bool)>,
    /// Texts that fail the run.
    fail_on: Vec<String>,
    /// The tail of the output, long enough for the longest text to straddle two writes.
    seen: Vec<u8>,
    /// A match waiting for the end of its line.
    deferred: Option<EndReason>,
}

impl Watch {
    pub fn new(expect: Vec<String>, fail_on: Vec<String>) -> Self {
        Watch {
            expect: expect.into_iter().map(|e| (e, false)).collect(),
            fail_on,
            ..Watch::default()
        }
    }

    /// Looks at console output; `stopping`: the run ends already (nothing new is matched then).
    /// Returns the reason the run ends now, if a text matched on a line that `bytes` completed.
    pub fn feed(&mut self, bytes: &[u8], stopping: bool) -> Option<EndReason> {
        let mut now = None;
        if self.deferred.is_some() && bytes.contains(&b'\n') {
            now = self.deferred.take();
        }
        if self.expect.is_empty() && self.fail_on.is_empty() {
            return now;
        }
        self.seen.extend_from_slice(bytes);
        let text = String::from_utf8_lossy(&self.seen).replace("\r\n", "\n");
        let idle = !stopping && now.is_none() && self.deferred.is_none();
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
                now = Some(reason);
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
        let keep = longest + 4;
        if self.seen.len() > keep * 2 + 4096 {
            let cut = self.seen.len() - keep;
            self.seen.drain(..cut);
        }
        now
    }

    /// A match whose line did not end: the run ends once the program does something else.
    pub fn take_deferred(&mut self) -> Option<EndReason> {
        self.deferred.take()
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

    #[test]
    fn a_match_ends_the_run_at_the_end_of_its_line_and_texts_may_straddle_writes() {
        let mut w = Watch::new(vec!["ALL OK".into()], vec!["FAIL".into()]);
        assert_eq!(w.feed(b"test 1 ALL ", false), None);
        // The text is whole, its line is not: the end waits for the newline.
        assert_eq!(w.feed(b"OK so far", false), None);
        assert_eq!(w.feed(b"\r\nmore\r\n", false), Some(EndReason::Expected));
        assert!(w.missing().is_empty());

        let mut w = Watch::new(vec!["done".into()], vec!["FAIL".into()]);
        assert_eq!(
            w.feed(b"case 3 FAIL\r\n", false),
            Some(EndReason::FailOn("FAIL".into()))
        );
        assert_eq!(w.missing(), vec!["done".to_owned()]);

        // A match on an unfinished line ends the run at the program's next step instead.
        let mut w = Watch::new(vec!["ready".into()], Vec::new());
        assert_eq!(w.feed(b">>> ready", false), None);
        assert_eq!(w.take_deferred(), Some(EndReason::Expected));
        assert_eq!(w.take_deferred(), None);

        // Once the run ends, nothing new is matched (what was seen still counts as seen).
        let mut w = Watch::new(vec!["a".into(), "b".into()], Vec::new());
        assert_eq!(w.feed(b"a b\n", true), None);
        assert!(w.missing().is_empty());
    }
}
