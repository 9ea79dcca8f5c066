//! The glob language of WPC v2 actions, resources and `StringLike` conditions, and of WPC v1
//! `allowed_models` and `egress_allowlist` (docs/policy-evaluation.md):
//!
//! - a pattern matches the whole string;
//! - `*` matches any run of characters (possibly empty) without `/`;
//! - `**` matches any run of characters, `/` included;
//! - `**/` (a `/` right after `**` is absorbed) matches nothing, or any run that ends in `/`,
//!   so `src/**/*.ts` matches both `src/a.ts` and `src/x/y/a.ts`, but `src/**/a.ts` does not
//!   match `src/xa.ts`;
//! - `?` matches exactly one character other than `/`;
//! - every other character is literal (`.`, `+`, `(`, `[`, `\` have no special meaning).
//!
//! Characters are Unicode scalar values. Matching simulates the pattern's automaton over the
//! text, one set of states per character: time is linear in the text for a given pattern and
//! never exponential, whatever the pattern (a hostile `*a*a*a*a*b` costs what `*b` costs, times
//! the number of stars).

/// Longest pattern accepted, in characters (the WPC v2 schema's longest resource).
pub const MAX_PATTERN_CHARS: usize = 512;

/// Words of the state sets: one state per token, plus the accepting state.
const WORDS: usize = MAX_PATTERN_CHARS / 64 + 1;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Token {
    Literal(char),
    /// `?`
    One,
    /// `*`
    Star,
    /// `**` not followed by `/`
    GlobStar,
    /// `**/`
    GlobStarSlash,
}

/// What a compiled pattern is, so that the common shapes need no automaton.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Shape {
    /// No wildcard: string equality.
    Exact(String),
    /// `*`: any text without `/`.
    AnySegment,
    /// `**`: any text.
    Anything,
    /// A literal then one `*` (`globstar: false`) or `**`: `model:*`, `secret://prod/**`.
    Prefix { literal: String, globstar: bool },
    /// One `*` or `**`, then a literal: `*.internal`.
    Suffix { literal: String, globstar: bool },
    /// Everything else.
    Tokens(Vec<Token>),
}

/// A compiled glob pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Glob {
    source: String,
    shape: Shape,
}

/// Why a pattern was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GlobError(pub String);

impl std::fmt::Display for GlobError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Glob {
    /// Compile `pattern`; refused only when longer than [`MAX_PATTERN_CHARS`].
    pub fn new(pattern: &str) -> Result<Glob, GlobError> {
        let n = pattern.chars().count();
        if n > MAX_PATTERN_CHARS {
            return Err(GlobError(format!(
                "a pattern of {n} characters is longer than the {MAX_PATTERN_CHARS} supported"
            )));
        }
        let tokens = tokenize(pattern);
        let literal = |t: &[Token]| -> Option<String> {
            t.iter()
                .map(|t| match t {
                    Token::Literal(c) => Some(*c),
                    _ => None,
                })
                .collect()
        };
        let is_star = |t: &Token| matches!(t, Token::Star | Token::GlobStar);
        let shape = match tokens.as_slice() {
            [Token::Star] => Shape::AnySegment,
            [Token::GlobStar] => Shape::Anything,
            t if literal(t).is_some() => Shape::Exact(pattern.to_string()),
            [head @ .., last] if is_star(last) && literal(head).is_some() => Shape::Prefix {
                literal: literal(head).unwrap_or_default(),
                globstar: *last == Token::GlobStar,
            },
            [first, tail @ ..] if is_star(first) && literal(tail).is_some() => Shape::Suffix {
                literal: literal(tail).unwrap_or_default(),
                globstar: *first == Token::GlobStar,
            },
            _ => Shape::Tokens(tokens),
        };
        Ok(Glob {
            source: pattern.to_string(),
            shape,
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether the pattern matches the whole of `text`.
    pub fn matches(&self, text: &str) -> bool {
        match &self.shape {
            Shape::Exact(s) => s == text,
            Shape::AnySegment => !text.contains('/'),
            Shape::Anything => true,
            Shape::Prefix { literal, globstar } => text
                .strip_prefix(literal.as_str())
                .is_some_and(|rest| *globstar || !rest.contains('/')),
            Shape::Suffix { literal, globstar } => text
                .strip_suffix(literal.as_str())
                .is_some_and(|head| *globstar || !head.contains('/')),
            Shape::Tokens(tokens) if tokens.len() < 128 => run::<u128>(tokens, text),
            Shape::Tokens(tokens) => run::<Wide>(tokens, text),
        }
    }
}

fn tokenize(pattern: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(match c {
            '?' => Token::One,
            '*' if chars.peek() == Some(&'*') => {
                chars.next();
                // Further stars add nothing to `**`.
                while chars.peek() == Some(&'*') {
                    chars.next();
                }
                if chars.peek() == Some(&'/') {
                    chars.next();
                    Token::GlobStarSlash
                } else {
                    Token::GlobStar
                }
            }
            '*' => Token::Star,
            c => Token::Literal(c),
        });
    }
    out
}

/// A set of automaton states (token positions `0..=tokens.len()`): a `u128` for patterns of
/// fewer than 128 tokens, `Wide` words for the longest ones.
trait States: Copy + PartialEq {
    const EMPTY: Self;
    fn insert(&mut self, i: usize);
    fn contains(&self, i: usize) -> bool;
    fn is_empty(&self) -> bool;
    /// The lowest position in the set, removed.
    fn pop(&mut self) -> Option<usize>;
}

impl States for u128 {
    const EMPTY: u128 = 0;
    fn insert(&mut self, i: usize) {
        *self |= 1u128.checked_shl(i as u32).unwrap_or(0);
    }
    fn contains(&self, i: usize) -> bool {
        self & 1u128.checked_shl(i as u32).unwrap_or(0) != 0
    }
    fn is_empty(&self) -> bool {
        *self == 0
    }
    fn pop(&mut self) -> Option<usize> {
        if *self == 0 {
            return None;
        }
        let i = self.trailing_zeros() as usize;
        *self &= *self - 1;
        Some(i)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
struct Wide([u64; WORDS]);

impl States for Wide {
    const EMPTY: Wide = Wide([0; WORDS]);
    fn insert(&mut self, i: usize) {
        if let Some(w) = self.0.get_mut(i / 64) {
            *w |= 1u64 << (i % 64);
        }
    }
    fn contains(&self, i: usize) -> bool {
        self.0.get(i / 64).is_some_and(|w| w & (1u64 << (i % 64)) != 0)
    }
    fn is_empty(&self) -> bool {
        self.0.iter().all(|w| *w == 0)
    }
    fn pop(&mut self) -> Option<usize> {
        let (wi, w) = self.0.iter_mut().enumerate().find(|(_, w)| **w != 0)?;
        let b = w.trailing_zeros() as usize;
        *w &= *w - 1;
        Some(wi * 64 + b)
    }
}

/// Add the positions reachable without reading a character: past any star (which may match
/// nothing). Epsilon moves only go forward, so one increasing pass suffices.
fn close<S: States>(tokens: &[Token], set: &mut S) {
    let mut todo = *set;
    while let Some(i) = todo.pop() {
        if matches!(
            tokens.get(i),
            Some(Token::Star | Token::GlobStar | Token::GlobStarSlash)
        ) && !set.contains(i + 1)
        {
            set.insert(i + 1);
            todo.insert(i + 1);
        }
    }
}

/// The automaton: `at` holds positions before token `i`; `inside` holds the `**/` tokens that
/// have read at least one character and still need the `/` that ends them.
fn run<S: States>(tokens: &[Token], text: &str) -> bool {
    let end = tokens.len();
    let mut at = S::EMPTY;
    let mut inside = S::EMPTY;
    at.insert(0);
    close(tokens, &mut at);
    for c in text.chars() {
        let mut next_at = S::EMPTY;
        let mut next_inside = S::EMPTY;
        let mut current = at;
        while let Some(i) = current.pop() {
            match tokens.get(i) {
                Some(Token::Literal(l)) if *l == c => next_at.insert(i + 1),
                Some(Token::One) if c != '/' => next_at.insert(i + 1),
                Some(Token::Star) if c != '/' => next_at.insert(i),
                Some(Token::GlobStar) => next_at.insert(i),
                Some(Token::GlobStarSlash) => {
                    next_inside.insert(i);
                    if c == '/' {
                        next_at.insert(i + 1);
                    }
                }
                _ => {}
            }
        }
        let mut waiting = inside;
        while let Some(i) = waiting.pop() {
            next_inside.insert(i);
            if c == '/' {
                next_at.insert(i + 1);
            }
        }
        close(tokens, &mut next_at);
        if next_at.is_empty() && next_inside.is_empty() {
            return false;
        }
        at = next_at;
        inside = next_inside;
    }
    at.contains(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, t: &str) -> bool {
        Glob::new(p).unwrap().matches(t)
    }

    #[test]
    fn literals_match_only_themselves() {
        assert!(m("anthropic", "anthropic"));
        assert!(!m("anthropic", "anthropic2"));
        assert!(!m("anthropic", "anthropi"));
        assert!(m("", ""));
        assert!(!m("", "a"));
        // Regex characters are literal.
        assert!(m("a.b", "a.b"));
        assert!(!m("a.b", "axb"));
        assert!(m("c++(x)[y]\\z$^|", "c++(x)[y]\\z$^|"));
        assert!(!m("a+", "aa"));
        assert!(!m("(a|b)", "a"));
    }

    #[test]
    fn star_stays_in_one_segment() {
        assert!(m("*", ""));
        assert!(m("*", "anything-at.all"));
        assert!(!m("*", "a/b"));
        assert!(m("claude-*", "claude-3-opus"));
        assert!(m("claude-*", "claude-"));
        assert!(!m("claude-*", "claude"));
        assert!(!m("claude-*", "claude-x/y"));
        assert!(m("*.internal", "db.internal"));
        assert!(!m("*.internal", "a/db.internal"));
        assert!(m("a*b*c", "abc"));
        assert!(m("a*b*c", "aXbYbZc"));
        assert!(!m("a*b*c", "aXbYbZ"));
    }

    #[test]
    fn globstar_crosses_slashes() {
        assert!(m("**", ""));
        assert!(m("**", "a/b/c"));
        assert!(m("secret://prod/**", "secret://prod/payments/stripe"));
        assert!(!m("secret://prod/**", "secret://staging/x"));
        assert!(m("a**b", "a/x/yb"));
        assert!(m("***", "a/b"));
    }

    #[test]
    fn globstar_slash_absorbs_the_slash() {
        assert!(m("src/**/*.ts", "src/a.ts"));
        assert!(m("src/**/*.ts", "src/x/y/a.ts"));
        assert!(!m("src/**/*.ts", "src/x/y/a.js"));
        assert!(m("src/**/a.ts", "src/a.ts"));
        assert!(m("src/**/a.ts", "src/d/a.ts"));
        assert!(!m("src/**/a.ts", "src/xa.ts"));
        assert!(m("**/secrets/**", "secrets/k"));
        assert!(m("**/secrets/**", "a/b/secrets/k/v"));
        assert!(!m("**/secrets/**", "a/bsecrets/k"));
        assert!(m("**/", ""));
        assert!(m("**/", "a/b/"));
        assert!(!m("**/", "a/b"));
    }

    #[test]
    fn question_mark_is_one_character_but_not_a_slash() {
        assert!(m("gpt-?", "gpt-4"));
        assert!(!m("gpt-?", "gpt-"));
        assert!(!m("gpt-?", "gpt-4o"));
        assert!(!m("a?b", "a/b"));
        assert!(m("a?b", "aéb"));
        assert!(m("??", "ab"));
    }

    #[test]
    fn prefix_and_suffix_shapes_agree_with_the_automaton() {
        for (p, t) in [
            ("model:*", "model:invoke"),
            ("model:*", "model:a/b"),
            ("model:*", "mode"),
            ("secret://prod/**", "secret://prod/a/b"),
            ("*.internal", "a.internal"),
            ("*.internal", "a/b.internal"),
            ("**.internal", "a/b.internal"),
            ("**.internal", "internal"),
        ] {
            let g = Glob::new(p).unwrap();
            assert!(!matches!(g.shape, Shape::Tokens(_)), "{p}");
            assert_eq!(g.matches(t), run::<u128>(&tokenize(p), t), "{p} {t}");
            assert_eq!(g.matches(t), run::<Wide>(&tokenize(p), t), "{p} {t}");
        }
    }

    #[test]
    fn long_patterns_use_the_wide_sets() {
        let p = format!("{}?/**/z", "a*".repeat(100));
        let g = Glob::new(&p).unwrap();
        assert!(matches!(&g.shape, Shape::Tokens(t) if t.len() >= 128));
        let t = format!("{}b/x/y/z", "a".repeat(100));
        assert!(g.matches(&t));
        assert!(!g.matches(&format!("{}/x/y/z", "a".repeat(100))));
        assert!(run::<Wide>(&tokenize("src/**/*.ts"), "src/x/a.ts"));
    }

    #[test]
    fn hostile_patterns_stay_linear() {
        let p = "*a".repeat(200) + "b";
        let t = "a".repeat(5000);
        assert!(!m(&p, &t));
        let p = "**a".repeat(150);
        assert!(m(&p, &"a/".repeat(2000).trim_end_matches('/').replace('/', "a")));
        assert!(Glob::new(&"x".repeat(MAX_PATTERN_CHARS + 1)).is_err());
        assert!(m(&"?".repeat(MAX_PATTERN_CHARS), &"z".repeat(MAX_PATTERN_CHARS)));
    }
}
