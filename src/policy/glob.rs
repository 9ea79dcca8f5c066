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
        let shape = match tokens.as_slice() {
            [Token::Star] => Shape::AnySegment,
            [Token::GlobStar] => Shape::Anything,
            t if t.iter().all(|t| matches!(t, Token::Literal(_))) => Shape::Exact(pattern.to_string()),
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
            Shape::Tokens(tokens) => run(tokens, text),
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

/// A set of automaton states (token positions `0..=tokens.len()`).
#[derive(Clone, Copy, PartialEq, Eq)]
struct States([u64; WORDS]);

impl States {
    const EMPTY: States = States([0; WORDS]);

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

    /// Positions in the set, in increasing order.
    fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.0.iter().enumerate().flat_map(|(wi, &w)| {
            let mut bits = w;
            std::iter::from_fn(move || {
                if bits == 0 {
                    return None;
                }
                let b = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                Some(wi * 64 + b)
            })
        })
    }
}

/// Add the positions reachable without reading a character: past any star (which may match
/// nothing). Epsilon moves only go forward, so one increasing pass suffices.
fn close(tokens: &[Token], set: &mut States) {
    for (i, t) in tokens.iter().enumerate() {
        if set.contains(i) && matches!(t, Token::Star | Token::GlobStar | Token::GlobStarSlash) {
            set.insert(i + 1);
        }
    }
}

/// The automaton: `at` holds positions before token `i`; `inside` holds the `**/` tokens that
/// have read at least one character and still need the `/` that ends them.
fn run(tokens: &[Token], text: &str) -> bool {
    let end = tokens.len();
    let mut at = States::EMPTY;
    let mut inside = States::EMPTY;
    at.insert(0);
    close(tokens, &mut at);
    for c in text.chars() {
        let mut next_at = States::EMPTY;
        let mut next_inside = States::EMPTY;
        for i in at.iter() {
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
        for i in inside.iter() {
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
