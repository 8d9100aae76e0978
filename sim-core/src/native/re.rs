//! One area of `_mpsim` (the native module, `native.rs`): compiled regular expressions for `re`.

#[rustpython_vm::pymodule(sub, name = "_mpsim")]
pub(crate) mod area {
    use crate::heap;
    use rustpython_vm::builtins::PyUtf8StrRef;
    use rustpython_vm::function::ArgBytesLike;
    use rustpython_vm::{PyObjectRef, PyPayload, PyRef, PyResult, VirtualMachine, pyclass};
    use std::cell::RefCell;

    thread_local! {
        /// Patterns compiled lately, with their flags (the `sim` thread's; at most 32).
        static CACHE: RefCell<Vec<(String, u32, regex::bytes::Regex)>> = const { RefCell::new(Vec::new()) };
    }

    /// A compiled expression. The script's `re` object owns it, so each pattern keeps its own
    /// engine however many others are compiled after it.
    #[pyattr]
    #[pyclass(name = "Regex")]
    #[derive(Debug, PyPayload)]
    struct Regex {
        re: regex::bytes::Regex,
    }

    #[pyclass]
    impl Regex {}

    /// Compiles a regular expression for `re_exec`. Flags: 1 = IGNORECASE, 2 = MULTILINE.
    #[pyfunction]
    fn re_compile(pattern: PyUtf8StrRef, flags: u32, vm: &VirtualMachine) -> PyResult<Regex> {
        let pat = pattern.as_str();
        // Recently compiled patterns are kept (engines are cheap to clone), so a loop calling
        // `re.match(PATTERN, …)` does not build the engine every time.
        let cached = CACHE.with_borrow(|c| {
            c.iter()
                .find(|(p, f, _)| p == pat && *f == flags)
                .map(|(_, _, re)| re.clone())
        });
        if let Some(re) = cached {
            return Ok(Regex { re });
        }
        // The engine's tables are the simulator's, not the board's: keep them off the heap budget.
        let re = heap::untracked(|| {
            regex::bytes::RegexBuilder::new(pat)
                .case_insensitive(flags & 1 != 0)
                .multi_line(flags & 2 != 0)
                .unicode(false)
                .size_limit(1 << 20)
                .build()
        })
        .map_err(|e| {
            let msg = match e {
                regex::Error::CompiledTooBig(_) => "regex too big".to_owned(),
                _ => "Error in regex".to_owned(),
            };
            vm.new_value_error(msg)
        })?;
        let keep = re.clone();
        heap::untracked(|| {
            CACHE.with_borrow_mut(|c| {
                if c.len() >= 32 {
                    c.remove(0);
                }
                c.push((pat.to_owned(), flags, keep));
            });
        });
        Ok(Regex { re })
    }

    /// Number of groups (without group 0) of a compiled expression.
    #[pyfunction]
    fn re_groups(re: PyRef<Regex>) -> usize {
        re.re.captures_len() - 1
    }

    /// Searches `data[pos:]` (anchored at `pos` when `anchored`); returns the group spans
    /// (-1, -1 for groups that did not take part) or None.
    #[pyfunction]
    fn re_exec(
        re: PyRef<Regex>,
        data: ArgBytesLike,
        pos: usize,
        anchored: bool,
        vm: &VirtualMachine,
    ) -> PyResult<PyObjectRef> {
        let buf = data.borrow_buf();
        let pos = pos.min(buf.len());
        let found = re.re.captures_at(&buf, pos).and_then(|caps| {
            let m0 = caps.get(0)?;
            if anchored && m0.start() != pos {
                return None;
            }
            Some(
                (0..caps.len())
                    .map(|i| {
                        caps.get(i)
                            .map_or((-1, -1), |m| (m.start() as i64, m.end() as i64))
                    })
                    .collect::<Vec<_>>(),
            )
        });
        Ok(match found {
            None => vm.ctx.none(),
            Some(spans) => vm
                .ctx
                .new_list(
                    spans
                        .into_iter()
                        .map(|(a, b)| {
                            vm.ctx
                                .new_tuple(vec![vm.ctx.new_int(a).into(), vm.ctx.new_int(b).into()])
                                .into()
                        })
                        .collect(),
                )
                .into(),
        })
    }
}
