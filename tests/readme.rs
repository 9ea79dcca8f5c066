//! The README tells the truth: every `console` block in README.md is run with this build's
//! binary and must print what it shows; `examples/walkthrough/walkthrough.sh` is the
//! walk-through's commands, generated from the README; and every example in a `--help` text
//! is accepted by the argument parser.
//!
//! The syntax of a runnable block (also in README.md, "About the examples"):
//!
//! - A fenced block whose info string is `console` is a session run from the repository root
//!   (a copy of it whose `../shared/clawsig` is the Clawsig fixture folder, see
//!   [`clawsig_dir`]); `console empty-dir` is a session run in a new empty directory. Any other
//!   word after `console` is an error; blocks with other info strings (`sh`, `text`, `json`)
//!   are not run.
//! - A line starting with `$ ` is a command. A line ending in `\` continues it on the next
//!   line, and a heredoc (`<<EOF`, `<<'EOF'`, `<<-EOF`) continues it up to its terminator.
//! - The lines after a command up to the next `$ ` are its expected output: standard output
//!   and standard error merged, as a terminal shows them. A last line `[exit N]` is the
//!   expected exit code; without it the command must exit 0.
//! - In an expected line, `…` matches any text (also none), `<did:key>` a did:key
//!   (`did:key:z` and base58 characters), `<hash>` 43 base64url characters and `<n>` one or
//!   more digits; every other character matches itself. A line that is only `…` matches any
//!   number of lines (also none).
//!
//! All commands of a block run in one `bash` (so shell variables carry over), with the
//! directory of this build's `clawaudit` first on `PATH` and standard input empty; between
//! two commands the script prints a marker with the exit code, and the output is split on
//! the markers.

#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // a test: failing loudly on bad setup is the point

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const REPO: &str = env!("CARGO_MANIFEST_DIR");
const BIN: &str = env!("CARGO_BIN_EXE_clawaudit");
/// What precedes each command's exit code in a block's output (never printed by clawaudit).
const MARKER: &str = "\u{1e}readme-step ";
/// How long one block may run.
const TIMEOUT: Duration = Duration::from_secs(300);
const WALKTHROUGH_SCRIPT: &str = "examples/walkthrough/walkthrough.sh";
/// Set to rewrite `examples/walkthrough/walkthrough.sh` from the README instead of failing.
const WRITE_ENV: &str = "CLAWAUDIT_README_WRITE";

/// The Clawsig fixture folder, as tests/clawsig_conformance.rs finds it: `CLAWAUDIT_CLAWSIG_DIR`,
/// else `../shared/clawsig` beside the repository. Missing, the test fails, never skips.
fn clawsig_dir() -> PathBuf {
    let dir = match std::env::var_os("CLAWAUDIT_CLAWSIG_DIR") {
        Some(d) => PathBuf::from(d),
        None => Path::new(REPO).join("../shared/clawsig"),
    };
    assert!(
        dir.join("fixtures").is_dir(),
        "the Clawsig fixtures are missing at {} (set CLAWAUDIT_CLAWSIG_DIR); the README's examples need them",
        dir.display()
    );
    std::fs::canonicalize(&dir).unwrap()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cwd {
    /// A copy of the repository root: `ROOT/<entry>` links to each entry of the repository and
    /// `ROOT/../shared/clawsig` to the Clawsig fixture folder, so the README's relative paths
    /// resolve as in a checkout and nothing the session writes lands in the repository's root.
    RepoRoot,
    EmptyDir,
}

#[derive(Debug)]
struct Step {
    /// 1-based line of the `$ ` in the README.
    line: usize,
    command: String,
    /// 1-based line of the first expected output line.
    output_line: usize,
    expected: Vec<String>,
    exit: i32,
}

#[derive(Debug)]
struct Block {
    /// 1-based line of the opening fence.
    line: usize,
    cwd: Cwd,
    steps: Vec<Step>,
}

/// The `console` blocks of a Markdown text.
fn runnable_blocks(markdown: &str) -> Result<Vec<Block>, String> {
    let lines: Vec<&str> = markdown.lines().collect();
    let mut blocks = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some(info) = lines[i].strip_prefix("```") else {
            i += 1;
            continue;
        };
        let start = i;
        let end = (i + 1..lines.len())
            .find(|&j| lines[j].trim_end() == "```")
            .ok_or_else(|| format!("README.md:{}: the block is not closed", start + 1))?;
        let mut words = info.split_whitespace();
        if words.next() == Some("console") {
            let cwd = match words.collect::<Vec<_>>().as_slice() {
                [] => Cwd::RepoRoot,
                ["empty-dir"] => Cwd::EmptyDir,
                other => {
                    return Err(format!(
                        "README.md:{}: unknown console marker {other:?} (`console` or `console empty-dir`)",
                        start + 1
                    ))
                }
            };
            let steps = parse_session(&lines[start + 1..end], start + 2)?;
            blocks.push(Block {
                line: start + 1,
                cwd,
                steps,
            });
        }
        i = end + 1;
    }
    Ok(blocks)
}

/// The heredoc terminator a command line opens, if any (`<<EOF`, `<<'EOF'`, `<<"EOF"`, `<<-EOF`).
fn heredoc_terminator(line: &str) -> Option<String> {
    let at = line.find("<<")?;
    let rest = &line[at + 2..];
    if rest.starts_with('<') {
        return None; // a here-string
    }
    let rest = rest.strip_prefix('-').unwrap_or(rest).trim_start();
    let rest = rest.trim_start_matches(['\'', '"']);
    let word: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    (!word.is_empty()).then_some(word)
}

/// One session's steps; `first_line` is the README line number of `lines[0]`.
fn parse_session(lines: &[&str], first_line: usize) -> Result<Vec<Step>, String> {
    let mut steps: Vec<Step> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line_no = first_line + i;
        let Some(first) = lines[i].strip_prefix("$ ") else {
            return Err(format!(
                "README.md:{line_no}: a console block must start with a `$ ` command, found {:?}",
                lines[i]
            ));
        };
        let mut command = vec![first.to_string()];
        let mut heredoc = heredoc_terminator(first);
        let mut continued = first.ends_with('\\');
        i += 1;
        while i < lines.len() && (continued || heredoc.is_some()) {
            let line = lines[i];
            command.push(line.to_string());
            if let Some(word) = &heredoc {
                if line.trim_start_matches('\t') == word {
                    heredoc = None;
                }
            } else {
                heredoc = heredoc_terminator(line);
                continued = line.ends_with('\\');
            }
            i += 1;
        }
        if continued || heredoc.is_some() {
            return Err(format!(
                "README.md:{line_no}: the command does not end before the block does"
            ));
        }
        let output_line = first_line + i;
        let mut expected = Vec::new();
        while i < lines.len() && !lines[i].starts_with("$ ") {
            expected.push(lines[i].to_string());
            i += 1;
        }
        let mut exit = 0;
        if let Some(last) = expected.last() {
            if let Some(code) = last.strip_prefix("[exit ").and_then(|s| s.strip_suffix(']')) {
                exit = code
                    .parse()
                    .map_err(|_| format!("README.md:{line_no}: bad exit line {last:?}"))?;
                if exit == 0 {
                    return Err(format!("README.md:{line_no}: `[exit 0]` is implied; leave it out"));
                }
                expected.pop();
            }
        }
        if let Some(stray) = expected.iter().find(|l| l.starts_with("[exit ")) {
            return Err(format!(
                "README.md:{line_no}: {stray:?} must be the command's last line"
            ));
        }
        steps.push(Step {
            line: line_no,
            command: command.join("\n"),
            output_line,
            expected,
            exit,
        });
    }
    Ok(steps)
}

// ---- the matcher ---------------------------------------------------------------------------

/// Does one actual line match one expected line (placeholders as in the module doc)?
fn line_matches(pattern: &str, text: &str) -> bool {
    const PLACEHOLDERS: [&str; 4] = ["…", "<did:key>", "<hash>", "<n>"];
    // The earliest placeholder in the pattern, if any.
    let next = PLACEHOLDERS
        .iter()
        .filter_map(|p| pattern.find(p).map(|at| (at, *p)))
        .min();
    let Some((at, placeholder)) = next else {
        return pattern == text;
    };
    let (literal, rest) = (&pattern[..at], &pattern[at + placeholder.len()..]);
    let Some(text) = text.strip_prefix(literal) else {
        return false;
    };
    let is_base58 = |c: char| c.is_ascii_alphanumeric() && !"0OIl".contains(c);
    let is_b64u = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    match placeholder {
        "…" => text
            .char_indices()
            .map(|(i, _)| i)
            .chain([text.len()])
            .any(|i| line_matches(rest, &text[i..])),
        "<did:key>" => {
            let Some(tail) = text.strip_prefix("did:key:z") else {
                return false;
            };
            let run = tail.find(|c: char| !is_base58(c)).unwrap_or(tail.len());
            (1..=run).rev().any(|n| line_matches(rest, &tail[n..]))
        }
        "<hash>" => {
            text.len() >= 43
                && text.is_char_boundary(43)
                && text[..43].chars().all(is_b64u)
                && line_matches(rest, &text[43..])
        }
        _ => {
            let run = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
            (1..=run).rev().any(|n| line_matches(rest, &text[n..]))
        }
    }
}

/// Matches `expected` against `actual` from the given positions; on failure, the furthest
/// expected line that could be reached (the one to report).
fn lines_match(expected: &[String], actual: &[&str], furthest: &mut usize, offset: usize) -> bool {
    *furthest = (*furthest).max(offset);
    match expected.first() {
        None => actual.is_empty(),
        Some(first) if first == "…" => {
            (0..=actual.len()).any(|skip| lines_match(&expected[1..], &actual[skip..], furthest, offset + 1))
        }
        Some(first) => {
            !actual.is_empty()
                && line_matches(first, actual[0])
                && lines_match(&expected[1..], &actual[1..], furthest, offset + 1)
        }
    }
}

/// Compares one command's output and exit code with what the README shows: `Err` is the
/// report, with the expected and the actual lines.
fn check_step(step: &Step, output: &str, exit: i32) -> Result<(), String> {
    let actual: Vec<&str> = output.lines().collect();
    let mut furthest = 0;
    let lines_ok = lines_match(&step.expected, &actual, &mut furthest, 0);
    if lines_ok && exit == step.exit {
        return Ok(());
    }
    let mut report = format!("README.md:{}: `{}`\n", step.line, step.command.replace('\n', "\n    "));
    if exit != step.exit {
        report += &format!("  exit code {exit}, but the README shows {}\n", step.exit);
    }
    if !lines_ok {
        match step.expected.get(furthest) {
            Some(line) => {
                report += &format!(
                    "  no output line matches README line {}: {line:?}\n",
                    step.output_line + furthest
                )
            }
            None => report += "  more output than the README shows\n",
        }
    }
    report += "  --- README\n";
    for l in &step.expected {
        report += &format!("  {l}\n");
    }
    report += "  --- actual\n";
    for l in &actual {
        report += &format!("  {l}\n");
    }
    Err(report)
}

// ---- running a block -----------------------------------------------------------------------

/// The shell script of a block: each command, then a marker with its exit code.
fn script_of(block: &Block) -> String {
    let mut script = String::from("exec 2>&1\n");
    for step in &block.steps {
        script += &step.command;
        script += "\nprintf '\\036readme-step %d\\n' \"$?\"\n";
    }
    script
}

fn path_with_binary() -> std::ffi::OsString {
    let bin_dir = Path::new(BIN).parent().unwrap();
    let mut paths = vec![bin_dir.to_path_buf()];
    paths.extend(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()));
    std::env::join_paths(paths).unwrap()
}

/// A new directory to run in: empty, or a copy of the repository root (see [`Cwd::RepoRoot`]).
fn workdir(cwd: Cwd, base: &Path) -> PathBuf {
    let root = base.join("clawaudit");
    std::fs::create_dir(&root).unwrap();
    if cwd == Cwd::RepoRoot {
        for entry in std::fs::read_dir(REPO).unwrap() {
            let entry = entry.unwrap();
            std::os::unix::fs::symlink(entry.path(), root.join(entry.file_name())).unwrap();
        }
        std::fs::create_dir(base.join("shared")).unwrap();
        std::os::unix::fs::symlink(clawsig_dir(), base.join("shared/clawsig")).unwrap();
    }
    root
}

/// Runs a shell script in `dir` and returns its merged output (or panics after [`TIMEOUT`]).
fn run_script(script: &str, dir: &Path) -> String {
    let out_path = dir.parent().unwrap().join("output.txt");
    let out = std::fs::File::create(&out_path).unwrap();
    let mut child = Command::new("bash")
        .arg("-c")
        .arg(script)
        .current_dir(dir)
        .env("PATH", path_with_binary())
        .stdin(Stdio::null())
        .stdout(out.try_clone().unwrap())
        .stderr(out)
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > TIMEOUT {
            child.kill().unwrap();
            panic!("the script did not finish in {TIMEOUT:?}:\n{script}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    String::from_utf8_lossy(&std::fs::read(&out_path).unwrap()).into_owned()
}

/// Runs one block and returns the report of every step that did not print what it shows.
fn run_block(block: &Block) -> Vec<String> {
    let base = tempfile::tempdir().unwrap();
    let dir = workdir(block.cwd, base.path());
    check_session(&block.steps, &run_script(&script_of(block), &dir))
}

/// Splits a block's output on the markers and checks each step's share of it.
fn check_session(steps: &[Step], output: &str) -> Vec<String> {
    let mut failures = Vec::new();
    let mut rest = output;
    for step in steps {
        let Some((printed, after)) = rest.split_once(MARKER) else {
            failures.push(format!(
                "README.md:{}: the session stopped before `{}` finished; what it printed:\n{rest}",
                step.line, step.command
            ));
            break;
        };
        let (code, after) = after.split_once('\n').unwrap_or((after, ""));
        if let Err(report) = check_step(step, printed, code.parse().unwrap()) {
            failures.push(report);
        }
        rest = after;
    }
    failures
}

fn readme() -> String {
    std::fs::read_to_string(Path::new(REPO).join("README.md")).unwrap()
}

#[test]
fn readme_sessions_print_what_they_show() {
    let blocks = runnable_blocks(&readme()).unwrap_or_else(|e| panic!("{e}"));
    // A marker changed by accident must not make this pass with nothing run.
    let from_root = blocks.iter().filter(|b| b.cwd == Cwd::RepoRoot).count();
    let empty_dir = blocks.iter().filter(|b| b.cwd == Cwd::EmptyDir).count();
    assert!(
        from_root >= 6,
        "only {from_root} `console` blocks in README.md; expected at least 6"
    );
    assert_eq!(
        empty_dir, 1,
        "README.md must have one `console empty-dir` block (the walk-through)"
    );
    let failures: Vec<String> = blocks.iter().flat_map(run_block).collect();
    assert!(
        failures.is_empty(),
        "{} README example(s) do not print what they show:\n\n{}",
        failures.len(),
        failures.join("\n")
    );
}

// ---- examples/walkthrough/walkthrough.sh ---------------------------------------------------

/// The walk-through's commands as a script, with a header saying where they come from.
fn walkthrough_script(block: &Block) -> String {
    let mut script = String::from(
        "#!/usr/bin/env bash\n\
         # The README's walk-through (\"Sealed audit bundles: a walk-through\"), its commands only. Run it in an\n\
         # empty directory with clawaudit on PATH, e.g. from the repository root:\n\
         #   mkdir demo && cd demo && bash ../examples/walkthrough/walkthrough.sh\n\
         # Generated from README.md: tests/readme.rs fails when the two differ, and\n\
         # `CLAWAUDIT_README_WRITE=1 cargo test --test readme` rewrites this file.\n\n",
    );
    for step in &block.steps {
        script += &step.command;
        script.push('\n');
    }
    script
}

#[test]
fn walkthrough_script_is_the_readme_walkthrough() {
    let blocks = runnable_blocks(&readme()).unwrap_or_else(|e| panic!("{e}"));
    let block = blocks
        .iter()
        .find(|b| b.cwd == Cwd::EmptyDir)
        .expect("no `console empty-dir` block in README.md");
    assert!(
        block.steps.len() >= 20,
        "the walk-through has only {} commands",
        block.steps.len()
    );
    let expected = walkthrough_script(block);
    let path = Path::new(REPO).join(WALKTHROUGH_SCRIPT);
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    if actual == expected {
        return;
    }
    if std::env::var_os(WRITE_ENV).is_some() {
        std::fs::write(&path, expected).unwrap();
        return;
    }
    let first_difference = actual
        .lines()
        .zip(expected.lines())
        .position(|(a, e)| a != e)
        .unwrap_or_else(|| actual.lines().count().min(expected.lines().count()));
    panic!(
        "{WALKTHROUGH_SCRIPT} is not the README's walk-through (first difference at its line {}); \
         rewrite it with `{WRITE_ENV}=1 cargo test --test readme`",
        first_difference + 1
    );
}

// ---- the examples of `--help` --------------------------------------------------------------

fn help_of(command: &[String]) -> String {
    let out = Command::new(BIN).args(command).arg("--help").output().unwrap();
    assert!(out.status.success(), "clawaudit {} --help failed", command.join(" "));
    String::from_utf8(out.stdout).unwrap()
}

/// The lines of a help text's section (`Commands:`, `Examples:`, …) up to the next blank line.
fn section<'a>(help: &'a str, headers: &[&str]) -> Vec<&'a str> {
    help.lines()
        .skip_while(|l| !headers.contains(&l.trim_end()))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .collect()
}

/// Every command path (`["verify"]`, `["policy", "sign"]`, …) with its help text.
fn all_helps() -> Vec<(Vec<String>, String)> {
    let mut todo = vec![Vec::new()];
    let mut helps = Vec::new();
    while let Some(command) = todo.pop() {
        let help = help_of(&command);
        for line in section(&help, &["Commands:"]) {
            let name = line.split_whitespace().next().unwrap();
            if name != "help" {
                todo.push(command.iter().cloned().chain([name.to_string()]).collect());
            }
        }
        helps.push((command, help));
    }
    helps
}

/// The example commands of a help text, continuation lines (`\`) joined.
fn help_examples(help: &str) -> Vec<String> {
    let mut examples: Vec<String> = Vec::new();
    let mut continued = false;
    for line in section(help, &["Examples:", "Example:"]) {
        let text = line.trim();
        let (text, continues) = match text.strip_suffix('\\') {
            Some(t) => (t.trim_end(), true),
            None => (text, false),
        };
        match examples.last_mut() {
            Some(last) if continued => {
                last.push(' ');
                last.push_str(text);
            }
            _ => examples.push(text.to_string()),
        }
        continued = continues;
    }
    examples
}

/// Is this standard error clap's (an argument the parser refused) rather than the command's?
fn is_usage_error(stderr: &str) -> bool {
    stderr.lines().any(|l| l.starts_with("error: ")) || stderr.contains("Usage: clawaudit")
}

#[test]
fn every_help_example_is_accepted_by_the_argument_parser() {
    let mut examples = Vec::new();
    for (command, help) in all_helps() {
        for example in help_examples(&help) {
            examples.push((command.join(" "), example));
        }
    }
    // A help layout changed by accident must not make this pass with nothing run.
    assert!(
        examples.len() >= 19,
        "only {} examples in the --help texts: {examples:?}",
        examples.len()
    );
    let mut failures = Vec::new();
    for (command, example) in &examples {
        assert!(
            example.starts_with("clawaudit "),
            "`clawaudit {command} --help`: the example {example:?} is not a command"
        );
        // Run as written, from a copy of the repository root: files it names may be missing
        // (exit 2 from the command itself), but the arguments must parse.
        let base = tempfile::tempdir().unwrap();
        let dir = workdir(Cwd::RepoRoot, base.path());
        let out = Command::new("bash")
            .arg("-c")
            .arg(example)
            .current_dir(&dir)
            .env("PATH", path_with_binary())
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        if is_usage_error(&stderr) || !matches!(out.status.code(), Some(0..=2)) {
            failures.push(format!("`clawaudit {command} --help`: {example}\n{stderr}"));
        }
    }
    assert!(
        failures.is_empty(),
        "--help examples the parser refuses:\n\n{}",
        failures.join("\n")
    );
}

// ---- the test can fail -----------------------------------------------------------------------

fn session(text: &str) -> Vec<Step> {
    let lines: Vec<&str> = text.lines().collect();
    parse_session(&lines, 1).unwrap()
}

#[test]
fn placeholders_match_what_they_say_and_nothing_else() {
    let did = "did:key:z6MkiHYLjQmM2mgQTqvWvfpqs4FXQnCuLQ6Xmrb2AcBRHDsU";
    let hash = "bZCmlwCUMjeFy26P9X7CdtUjF7vkFruyoptEUVXCuko";
    assert!(line_matches("sealer <did:key>", &format!("sealer {did}")));
    assert!(line_matches("<did:key>, done", &format!("{did}, done")));
    assert!(!line_matches("sealer <did:key>", "sealer did:web:example.com"));
    assert!(!line_matches("sealer <did:key>", &format!("sealer {did}!")));
    assert!(line_matches("hash <hash>, but", &format!("hash {hash}, but")));
    assert!(!line_matches("hash <hash>, but", &format!("hash {}, but", &hash[1..])));
    assert!(line_matches("(<n> bytes)", "(5464 bytes)"));
    assert!(!line_matches("(<n> bytes)", "(many bytes)"));
    assert!(line_matches(
        "PASS … OK: 9 checks passed.",
        "PASS proof-bundle a/b.json OK: 9 checks passed."
    ));
    assert!(line_matches("…", ""));
    assert!(!line_matches(
        "PASS … OK: 9 checks passed.",
        "PASS proof-bundle a/b.json OK: 8 checks passed."
    ));
    assert!(!line_matches("exact", "exact "));
}

#[test]
fn a_wrong_line_a_missing_line_an_extra_line_and_a_wrong_exit_code_are_reported() {
    let steps = session("$ clawaudit verify x\nPASS x\n1 subject(s)\n");
    let step = &steps[0];
    assert!(check_step(step, "PASS x\n1 subject(s)\n", 0).is_ok());

    let wrong = check_step(step, "FAIL x\n1 subject(s)\n", 0).unwrap_err();
    assert!(
        wrong.contains("README.md:1:") && wrong.contains("no output line matches README line 2: \"PASS x\""),
        "{wrong}"
    );
    assert!(wrong.contains("--- actual\n  FAIL x\n"), "{wrong}");

    let missing = check_step(step, "PASS x\n", 0).unwrap_err();
    assert!(
        missing.contains("no output line matches README line 3: \"1 subject(s)\""),
        "{missing}"
    );

    let extra = check_step(step, "PASS x\n1 subject(s)\nmore\n", 0).unwrap_err();
    assert!(extra.contains("more output than the README shows"), "{extra}");

    let exit = check_step(step, "PASS x\n1 subject(s)\n", 1).unwrap_err();
    assert!(exit.contains("exit code 1, but the README shows 0"), "{exit}");

    let failing = session("$ clawaudit verify y\nFAIL y\n[exit 1]\n");
    assert_eq!(failing[0].exit, 1);
    assert!(check_step(&failing[0], "FAIL y\n", 1).is_ok());
    assert!(check_step(&failing[0], "FAIL y\n", 0)
        .unwrap_err()
        .contains("exit code 0, but the README shows 1"));
}

#[test]
fn an_ellipsis_line_matches_any_number_of_lines() {
    let steps = session("$ c\nfirst\n…\nlast\n");
    for output in ["first\nlast\n", "first\na\nlast\n", "first\na\nb\nc\nlast\n"] {
        assert!(check_step(&steps[0], output, 0).is_ok(), "{output:?}");
    }
    assert!(check_step(&steps[0], "first\na\n", 0).is_err());
    assert!(check_step(&steps[0], "a\nlast\n", 0).is_err());
}

#[test]
fn commands_continue_over_backslashes_and_heredocs() {
    let steps = session(
        "$ cat > a.json <<'EOF'\n$ not a command\nEOF\n$ clawaudit verify a.json \\\n    --at 2026-03-01T00:00:00Z\nout\n",
    );
    assert_eq!(steps.len(), 2);
    assert_eq!(steps[0].command, "cat > a.json <<'EOF'\n$ not a command\nEOF");
    assert!(steps[0].expected.is_empty());
    assert_eq!(
        steps[1].command,
        "clawaudit verify a.json \\\n    --at 2026-03-01T00:00:00Z"
    );
    assert_eq!(steps[1].expected, ["out"]);
    assert_eq!(heredoc_terminator("python3 - <<PY"), Some("PY".to_string()));
    assert_eq!(heredoc_terminator("cat <<-\"END\" > f"), Some("END".to_string()));
    assert_eq!(heredoc_terminator("grep x <<< \"$v\""), None);
}

#[test]
fn malformed_blocks_are_refused() {
    for (markdown, error) in [
        ("```console typo\n$ true\n```\n", "unknown console marker"),
        ("```console\noutput first\n```\n", "must start with a `$ ` command"),
        ("```console\n$ false\n[exit 0]\n```\n", "implied"),
        ("```console\n$ cat <<EOF\nno end\n```\n", "does not end"),
        ("```console\n$ true\n", "not closed"),
    ] {
        let refused = runnable_blocks(markdown).unwrap_err();
        assert!(refused.contains(error), "{markdown:?}: {refused}");
    }
    let blocks = runnable_blocks("```sh\n$ not run\n```\n```console empty-dir\n$ true\n```\n").unwrap();
    assert_eq!(blocks.len(), 1);
    assert_eq!((blocks[0].line, blocks[0].cwd), (4, Cwd::EmptyDir));
    assert_eq!(blocks[0].steps[0].line, 5);
}

#[test]
fn a_session_that_prints_something_else_fails_when_run() {
    let run = |text: &str| {
        let block = Block {
            line: 1,
            cwd: Cwd::EmptyDir,
            steps: session(text),
        };
        run_block(&block)
    };
    // Variables carry over, exit codes are seen, standard error is part of the output.
    assert_eq!(
        run("$ X=42\n$ echo \"$X\"\n42\n$ false\n[exit 1]\n$ echo oops >&2\noops\n"),
        Vec::<String>::new()
    );
    assert_eq!(
        run("$ clawaudit explain NOPE\nclawaudit: error: NOPE …\n[exit 2]\n"),
        Vec::<String>::new()
    );
    let failures = run("$ echo hi\nho\n$ false\n$ echo fine\nfine\n");
    assert_eq!(failures.len(), 2, "{failures:?}");
    assert!(
        failures[0].contains("no output line matches README line 2: \"ho\""),
        "{}",
        failures[0]
    );
    assert!(
        failures[1].contains("exit code 1, but the README shows 0"),
        "{}",
        failures[1]
    );
    let stopped = run("$ exit 3\n$ echo never\nnever\n");
    assert!(
        stopped[0].contains("the session stopped before `exit 3` finished"),
        "{stopped:?}"
    );
}
