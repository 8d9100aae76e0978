//! The CI recipes in examples/ci parse as YAML, have the shape their CI reads, and every `mpsim`
//! command in them is one the CLI takes (its subcommand and each of its options).

use serde_yaml_ng::Value;
use std::path::PathBuf;
use std::process::Command;

fn recipe(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("examples/ci")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Sequence(s) => s.iter().for_each(|x| strings(x, out)),
        Value::Mapping(m) => m.values().for_each(|x| strings(x, out)),
        Value::Tagged(t) => strings(&t.value, out),
        _ => {}
    }
}

/// Each `mpsim …` command in the recipe: its words, from the subcommand on.
fn mpsim_commands(v: &Value) -> Vec<Vec<String>> {
    let mut all = Vec::new();
    strings(v, &mut all);
    let mut cmds = Vec::new();
    for s in all {
        for line in s.lines() {
            let words: Vec<&str> = line.split_whitespace().collect();
            for (k, w) in words.iter().enumerate() {
                // `mpsim SUBCOMMAND …` (not `command -v mpsim`, nor `cargo install … mpsim`).
                let sub = words.get(k + 1).copied().unwrap_or("");
                let starts = k == 0 || ["||", "&&", ";"].contains(&words[k - 1]);
                if *w == "mpsim"
                    && starts
                    && !sub.is_empty()
                    && sub.bytes().all(|b| b.is_ascii_lowercase())
                {
                    let end = words[k..]
                        .iter()
                        .position(|w| *w == "||" || *w == "&&" || *w == ";")
                        .map_or(words.len(), |e| k + e);
                    cmds.push(words[k + 1..end].iter().map(|w| w.to_string()).collect());
                }
            }
        }
    }
    cmds
}

fn check_commands(name: &str, v: &Value) -> usize {
    let cmds = mpsim_commands(v);
    for cmd in &cmds {
        let help = Command::new(env!("CARGO_BIN_EXE_mpsim"))
            .args([cmd[0].as_str(), "--help"])
            .output()
            .unwrap();
        assert!(
            help.status.success(),
            "{name}: `mpsim {}` is not a command",
            cmd[0]
        );
        let help = String::from_utf8_lossy(&help.stdout);
        for w in cmd.iter().filter(|w| w.starts_with("--")) {
            let flag = w.split('=').next().unwrap();
            assert!(
                help.contains(&format!("{flag} ")) || help.contains(&format!("{flag}\n")),
                "{name}: `mpsim {}` has no option {flag}",
                cmd[0]
            );
        }
    }
    cmds.len()
}

#[test]
fn the_github_actions_workflow_runs_the_scenarios_with_junit() {
    let v = recipe("github-actions.yml");
    let jobs = v["jobs"].as_mapping().expect("a workflow has jobs");
    for (id, job) in jobs {
        assert!(
            job["steps"].as_sequence().is_some_and(|s| !s.is_empty()),
            "job {id:?} has no steps"
        );
        assert!(job["runs-on"].as_str().is_some(), "job {id:?}: runs-on");
    }
    let mut all = Vec::new();
    strings(&v, &mut all);
    assert!(all.iter().any(|s| s.contains("--junit")), "no JUnit report");
    assert!(all.iter().any(|s| s == "actions/upload-artifact@v4"));
    assert!(check_commands("github-actions.yml", &v) >= 1);
}

#[test]
fn the_gitlab_job_runs_the_scenarios_with_junit() {
    let v = recipe("gitlab-ci.yml");
    let job = &v["mpsim-scenarios"];
    assert!(job["script"].as_sequence().is_some_and(|s| !s.is_empty()));
    assert_eq!(
        job["artifacts"]["reports"]["junit"].as_str(),
        Some("report.xml")
    );
    assert!(check_commands("gitlab-ci.yml", &v) >= 2);
}
