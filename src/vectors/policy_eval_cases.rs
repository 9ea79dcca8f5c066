//! The policy-evaluation vectors (`testvectors/policy-eval/vectors.json`): a policy (and its
//! parents), one request, and the decision **derived by hand from the rules** of
//! docs/policy-evaluation.md, never from the evaluator's output. Each case says why in its
//! `why`, which is written into the file too. `vectors check` evaluates every case with the
//! library and compares.

use serde_json::{json, Value};

/// One hand-derived case.
pub struct Case {
    pub name: &'static str,
    pub policy: Value,
    pub parents: Vec<Value>,
    pub action: &'static str,
    pub resource: &'static str,
    pub context: &'static [(&'static str, &'static str)],
    /// `ALLOW` or `DENY`.
    pub decision: &'static str,
    /// `allowed`, `denied_by_statement`, `no_statement_allows`, `parent_missing`.
    pub reason: &'static str,
    /// The deciding statements: `sid` of the policy, `policy_id:sid` of a parent.
    pub statements: &'static [&'static str],
    pub why: &'static str,
}

const ISSUER: &str = "did:key:z6MkpolicyEvalVectors";

fn v2_named(id: &str, inherits: Option<&str>, statements: Value) -> Value {
    let mut p = json!({"policy_version": "2", "policy_id": id, "issuer_did": ISSUER, "statements": statements});
    if let (Some(parent), Some(o)) = (inherits, p.as_object_mut()) {
        o.insert("inherits".into(), json!(parent));
    }
    p
}

fn v2(statements: Value) -> Value {
    v2_named("pe", None, statements)
}

fn v1(fields: Value) -> Value {
    let mut p = json!({"policy_version": "1", "policy_id": "pe-v1", "issuer_did": ISSUER});
    if let (Some(o), Some(extra)) = (p.as_object_mut(), fields.as_object()) {
        for (k, v) in extra {
            o.insert(k.clone(), v.clone());
        }
    }
    p
}

/// One Allow statement `S` of action `glob:test` on the resource pattern.
fn glob(pattern: &str) -> Value {
    v2(json!([{"sid": "S", "effect": "Allow", "actions": ["glob:test"], "resources": [pattern]}]))
}

/// One Allow statement `C` of action `t` on any resource, with these conditions.
fn cond(conditions: Value) -> Value {
    v2(json!([{"sid": "C", "effect": "Allow", "actions": ["t"], "resources": ["*"], "conditions": conditions}]))
}

#[allow(clippy::too_many_arguments)] // one row of the table: every column is a field
fn case(
    name: &'static str,
    policy: Value,
    action: &'static str,
    resource: &'static str,
    context: &'static [(&'static str, &'static str)],
    decision: &'static str,
    reason: &'static str,
    statements: &'static [&'static str],
    why: &'static str,
) -> Case {
    Case {
        name,
        policy,
        parents: Vec::new(),
        action,
        resource,
        context,
        decision,
        reason,
        statements,
        why,
    }
}

const A: &str = "ALLOW";
const D: &str = "DENY";
const OK: &str = "allowed";
const BY: &str = "denied_by_statement";
const NONE: &str = "no_statement_allows";

fn glob_cases() -> Vec<Case> {
    let g = |name, pattern: &str, resource, decision, why| {
        let (reason, statements): (&str, &[&str]) = if decision == A { (OK, &["S"]) } else { (NONE, &[]) };
        case(
            name,
            glob(pattern),
            "glob:test",
            resource,
            &[],
            decision,
            reason,
            statements,
            why,
        )
    };
    vec![
        g(
            "glob.literal_exact",
            "anthropic",
            "anthropic",
            A,
            "a pattern without wildcards matches only the same string",
        ),
        g(
            "glob.literal_case",
            "anthropic",
            "Anthropic",
            D,
            "literals are case-sensitive: A is not a",
        ),
        g(
            "glob.literal_whole_string",
            "anthropic",
            "anthropic-eu",
            D,
            "a pattern matches the whole string, not a prefix",
        ),
        g("glob.star_empty", "claude-*", "claude-", A, "* matches an empty run"),
        g(
            "glob.star_run",
            "claude-*",
            "claude-3-5-sonnet",
            A,
            "* matches any run without /",
        ),
        g(
            "glob.star_no_slash",
            "claude-*",
            "claude-3/opus",
            D,
            "* never matches /",
        ),
        g(
            "glob.star_alone_empty",
            "*",
            "",
            A,
            "* alone matches the empty resource",
        ),
        g(
            "glob.star_alone_slash",
            "*",
            "a/b",
            D,
            "* alone cannot match a resource containing /",
        ),
        g(
            "glob.globstar_slashes",
            "**",
            "a/b/c",
            A,
            "** matches any run, / included",
        ),
        g(
            "glob.globstar_prefix",
            "secret://prod/**",
            "secret://prod/payments/stripe_api_key",
            A,
            "the literal prefix secret://prod/ then ** takes payments/stripe_api_key",
        ),
        g(
            "glob.globstar_needs_prefix",
            "secret://prod/**",
            "secret://prod",
            D,
            "the literal / after prod is required: ** cannot supply it",
        ),
        g(
            "glob.globstar_other_prefix",
            "secret://prod/**",
            "secret://staging/x",
            D,
            "staging is not the literal prod",
        ),
        g(
            "glob.absorb_zero_dirs",
            "src/**/*.ts",
            "src/a.ts",
            A,
            "**/ matches nothing, leaving src/ + *.ts = src/a.ts",
        ),
        g(
            "glob.absorb_many_dirs",
            "src/**/*.ts",
            "src/x/y/a.ts",
            A,
            "**/ matches x/y/ (a run ending in /), then *.ts = a.ts",
        ),
        g(
            "glob.absorb_not_partial",
            "src/**/a.ts",
            "src/xa.ts",
            D,
            "**/ matches nothing or a run ending in /; neither turns xa.ts into a.ts",
        ),
        g(
            "glob.absorb_leading",
            "**/secrets/**",
            "secrets/k",
            A,
            "a leading **/ matches nothing",
        ),
        g(
            "glob.absorb_leading_deep",
            "**/secrets/**",
            "a/b/secrets/k/v",
            A,
            "**/ takes a/b/, ** takes k/v",
        ),
        g(
            "glob.absorb_not_midword",
            "**/secrets/**",
            "a/bsecrets/k",
            D,
            "**/ must end at a /, so bsecrets is not secrets",
        ),
        g(
            "glob.question_one",
            "gpt-?",
            "gpt-4",
            A,
            "? matches exactly one character",
        ),
        g(
            "glob.question_not_two",
            "gpt-?",
            "gpt-4o",
            D,
            "? matches one character, not two",
        ),
        g("glob.question_not_zero", "gpt-?", "gpt-", D, "? must match a character"),
        g("glob.question_not_slash", "a?b", "a/b", D, "? never matches /"),
        g(
            "glob.question_unicode",
            "a?b",
            "a\u{e9}b",
            A,
            "? matches one character, é included (two bytes in UTF-8)",
        ),
        g(
            "glob.dot_literal",
            "a.b",
            "axb",
            D,
            ". is a literal dot, not any character",
        ),
        g("glob.dot_matches_dot", "a.b", "a.b", A, "a literal dot matches a dot"),
        g("glob.plus_literal", "c++", "c++", A, "+ is literal"),
        g("glob.plus_not_repeat", "c+", "cc", D, "+ is literal, not one-or-more"),
        g(
            "glob.parens_literal",
            "(a|b)",
            "a",
            D,
            "( | ) are literal: the pattern is the five characters (a|b)",
        ),
        g(
            "glob.brackets_literal",
            "[ab]",
            "a",
            D,
            "[ ] are literal, not a character class",
        ),
        g(
            "glob.suffix_domain",
            "*.internal",
            "db.internal",
            A,
            "* takes db, then the literal .internal",
        ),
        g(
            "glob.suffix_whole",
            "*.internal",
            "db.internal.example.com",
            D,
            "the string must end with .internal",
        ),
    ]
}

fn action_and_effect_cases() -> Vec<Case> {
    let mixed = || {
        v2(json!([
            {"sid": "A", "effect": "Allow", "actions": ["tool:*"], "resources": ["*"]},
            {"sid": "B", "effect": "Allow", "actions": ["tool:execute"], "resources": ["bash"]},
            {"sid": "D1", "effect": "Deny", "actions": ["*"], "resources": ["bash"]},
            {"sid": "D2", "effect": "Deny", "actions": ["tool:execute"], "resources": ["ba?h"]},
            {"sid": "D3", "effect": "Deny", "actions": ["tool:execute"], "resources": ["rm"],
             "conditions": {"StringEquals": {"Tool:Name": "rm"}}}
        ]))
    };
    vec![
        case(
            "action.glob_namespace",
            v2(json!([{"sid": "M", "effect": "Allow", "actions": ["model:*"], "resources": ["*"]}])),
            "model:invoke",
            "anthropic",
            &[],
            A,
            OK,
            &["M"],
            "model:* matches model:invoke (no / in it)",
        ),
        case(
            "action.glob_any",
            v2(json!([{"sid": "All", "effect": "Allow", "actions": ["*"], "resources": ["**"]}])),
            "side_effect:network_egress",
            "api.example.com",
            &[],
            A,
            OK,
            &["All"],
            "* matches every action, ** every resource",
        ),
        case(
            "action.no_match",
            v2(json!([{"sid": "M", "effect": "Allow", "actions": ["model:*"], "resources": ["*"]}])),
            "tool:execute",
            "bash",
            &[],
            D,
            NONE,
            &[],
            "model:* does not match tool:execute: default deny",
        ),
        case(
            "effect.deny_wins_over_allows",
            mixed(),
            "tool:execute",
            "bash",
            &[],
            D,
            BY,
            &["D1", "D2"],
            "A and B allow, but D1 (* on bash) and D2 (ba?h) match: any Deny wins, and every matching Deny is named",
        ),
        case(
            "effect.several_allows",
            v2(json!([
                {"sid": "A", "effect": "Allow", "actions": ["tool:*"], "resources": ["*"]},
                {"sid": "B", "effect": "Allow", "actions": ["tool:execute"], "resources": ["ls"]}
            ])),
            "tool:execute",
            "ls",
            &[],
            A,
            OK,
            &["A", "B"],
            "both Allows match and no Deny: ALLOW, both named in order",
        ),
        case(
            "effect.deny_resource_differs",
            mixed(),
            "tool:execute",
            "ls",
            &[],
            A,
            OK,
            &["A"],
            "only A matches ls: D1 and D2 need bash, D3 needs rm, B needs bash",
        ),
        case(
            "effect.deny_condition_fails",
            mixed(),
            "tool:execute",
            "rm",
            &[("Tool:Name", "rmdir")],
            A,
            OK,
            &["A"],
            "D3's resource matches but its condition Tool:Name = rm does not hold (rmdir): only A applies",
        ),
        case(
            "effect.deny_condition_holds",
            mixed(),
            "tool:execute",
            "rm",
            &[("Tool:Name", "rm")],
            D,
            BY,
            &["D3"],
            "D3's resource and condition match: Deny",
        ),
        case(
            "effect.deny_only",
            v2(json!([{"sid": "D", "effect": "Deny", "actions": ["*"], "resources": ["**"]}])),
            "tool:execute",
            "bash",
            &[],
            D,
            BY,
            &["D"],
            "a matching Deny denies",
        ),
        case(
            "effect.default_deny",
            v2(json!([{"sid": "D", "effect": "Deny", "actions": ["model:*"], "resources": ["**"]}])),
            "tool:execute",
            "bash",
            &[],
            D,
            NONE,
            &[],
            "the Deny does not match, and nothing allows: default deny",
        ),
    ]
}

fn condition_cases() -> Vec<Case> {
    let c = |name, conditions: Value, context, decision, why| {
        let (reason, statements): (&str, &[&str]) = if decision == A { (OK, &["C"]) } else { (NONE, &[]) };
        case(
            name,
            cond(conditions),
            "t",
            "r",
            context,
            decision,
            reason,
            statements,
            why,
        )
    };
    let eq = || json!({"StringEquals": {"Model:Provider": "anthropic"}});
    let ne = || json!({"StringNotEquals": {"Model:Provider": "openai"}});
    let like = || json!({"StringLike": {"Model:Name": "claude-*"}});
    let not_like = || json!({"StringNotLike": {"Model:Name": "gpt-*"}});
    let before_nine = || json!({"NumericLessThan": {"Context:Hour": "9"}});
    let after_five = || json!({"NumericGreaterThan": {"Context:Hour": "17"}});
    let half = || json!({"NumericEquals": {"Risk:Score": "0.5"}});
    let approved = || json!({"Bool": {"Request:HasHumanApproval": "true"}});
    let office = || json!({"IpAddress": {"Request:SourceIp": "10.0.0.0/8"}});
    vec![
        c(
            "cond.string_equals_present",
            eq(),
            &[("Model:Provider", "anthropic")],
            A,
            "the context value equals the policy's",
        ),
        c(
            "cond.string_equals_other",
            eq(),
            &[("Model:Provider", "openai")],
            D,
            "openai is not anthropic",
        ),
        c(
            "cond.string_equals_case",
            eq(),
            &[("Model:Provider", "Anthropic")],
            D,
            "StringEquals is exact: case matters",
        ),
        c(
            "cond.string_equals_missing",
            eq(),
            &[],
            D,
            "a missing key cannot equal anything",
        ),
        c(
            "cond.string_not_equals_other",
            ne(),
            &[("Model:Provider", "anthropic")],
            A,
            "anthropic is not openai",
        ),
        c(
            "cond.string_not_equals_same",
            ne(),
            &[("Model:Provider", "openai")],
            D,
            "openai equals openai, so NotEquals is false",
        ),
        c(
            "cond.string_not_equals_missing",
            ne(),
            &[],
            A,
            "NotEquals is the negation of Equals: a missing key equals nothing, so NotEquals holds",
        ),
        c(
            "cond.string_like_match",
            like(),
            &[("Model:Name", "claude-3-5-sonnet")],
            A,
            "claude-* matches",
        ),
        c(
            "cond.string_like_no_match",
            like(),
            &[("Model:Name", "gpt-4o")],
            D,
            "gpt-4o does not start with claude-",
        ),
        c(
            "cond.string_like_slash",
            like(),
            &[("Model:Name", "claude-3/opus")],
            D,
            "* in StringLike does not cross /",
        ),
        c(
            "cond.string_like_missing",
            like(),
            &[],
            D,
            "a missing key makes Like false",
        ),
        c(
            "cond.string_not_like_no_match",
            not_like(),
            &[("Model:Name", "claude-3")],
            A,
            "claude-3 does not match gpt-*",
        ),
        c(
            "cond.string_not_like_match",
            not_like(),
            &[("Model:Name", "gpt-4o")],
            D,
            "gpt-4o matches gpt-*, so NotLike is false",
        ),
        c(
            "cond.string_not_like_missing",
            not_like(),
            &[],
            A,
            "a missing key makes NotLike true",
        ),
        c(
            "cond.numeric_less_before",
            before_nine(),
            &[("Context:Hour", "8")],
            A,
            "8 < 9: the request's value is the left side",
        ),
        c(
            "cond.numeric_less_equal",
            before_nine(),
            &[("Context:Hour", "9")],
            D,
            "9 < 9 is false",
        ),
        c(
            "cond.numeric_less_after",
            before_nine(),
            &[("Context:Hour", "10")],
            D,
            "10 < 9 is false (numeric, not text: \"10\" < \"9\" as text)",
        ),
        c(
            "cond.numeric_less_missing",
            before_nine(),
            &[],
            D,
            "a missing number is false",
        ),
        c(
            "cond.numeric_less_malformed",
            before_nine(),
            &[("Context:Hour", "eight")],
            D,
            "eight is not a decimal number: false",
        ),
        c(
            "cond.numeric_greater_after",
            after_five(),
            &[("Context:Hour", "23")],
            A,
            "23 > 17",
        ),
        c(
            "cond.numeric_greater_equal",
            after_five(),
            &[("Context:Hour", "17")],
            D,
            "17 > 17 is false",
        ),
        c(
            "cond.numeric_greater_exponent",
            after_five(),
            &[("Context:Hour", "1e2")],
            D,
            "1e2 is not a decimal number here (no exponents): false",
        ),
        c(
            "cond.numeric_equals_trailing_zero",
            half(),
            &[("Risk:Score", "0.50")],
            A,
            "0.50 and 0.5 are the same decimal number",
        ),
        c(
            "cond.numeric_equals_other",
            half(),
            &[("Risk:Score", "0.51")],
            D,
            "0.51 is not 0.5",
        ),
        c(
            "cond.numeric_equals_missing",
            half(),
            &[],
            D,
            "a missing number is false",
        ),
        c(
            "cond.numeric_equals_policy_malformed",
            json!({"NumericEquals": {"Risk:Score": "half"}}),
            &[("Risk:Score", "0.5")],
            D,
            "the policy's value half is not a number: false",
        ),
        c(
            "cond.bool_true_any_case",
            approved(),
            &[("Request:HasHumanApproval", "TRUE")],
            A,
            "Bool is case-insensitive: TRUE is true",
        ),
        c(
            "cond.bool_false",
            approved(),
            &[("Request:HasHumanApproval", "false")],
            D,
            "false is not true",
        ),
        c(
            "cond.bool_malformed",
            approved(),
            &[("Request:HasHumanApproval", "yes")],
            D,
            "yes is neither true nor false: false",
        ),
        c("cond.bool_missing", approved(), &[], D, "a missing boolean is false"),
        c(
            "cond.ip_inside",
            office(),
            &[("Request:SourceIp", "10.1.2.3")],
            A,
            "10.1.2.3 is in 10.0.0.0/8",
        ),
        c(
            "cond.ip_outside",
            office(),
            &[("Request:SourceIp", "11.0.0.1")],
            D,
            "11.0.0.1 is not in 10.0.0.0/8",
        ),
        c("cond.ip_missing", office(), &[], D, "a missing address is false"),
        c(
            "cond.ip_malformed",
            office(),
            &[("Request:SourceIp", "10.1.2")],
            D,
            "three parts are not an IPv4 address: false",
        ),
        c(
            "cond.ip_leading_zero",
            office(),
            &[("Request:SourceIp", "10.01.2.3")],
            D,
            "01 has a leading zero (octal to some readers): refused, false",
        ),
        c(
            "cond.ip_ipv6",
            office(),
            &[("Request:SourceIp", "::1")],
            D,
            "IpAddress matches IPv4 only: false",
        ),
        c(
            "cond.unknown_operator",
            json!({"StringEqualsIgnoreCase": {"Model:Provider": "anthropic"}}),
            &[("Model:Provider", "anthropic")],
            D,
            "an unknown operator is false, even when the values agree",
        ),
        c(
            "cond.and_across_operators",
            json!({"StringEquals": {"Model:Provider": "anthropic"}, "NumericLessThan": {"Context:Hour": "9"}}),
            &[("Model:Provider", "anthropic"), ("Context:Hour", "12")],
            D,
            "every operator object must hold: the provider does, the hour (12 < 9) does not",
        ),
        c(
            "cond.and_all_hold",
            json!({"StringEquals": {"Model:Provider": "anthropic"}, "NumericLessThan": {"Context:Hour": "9"}}),
            &[("Model:Provider", "anthropic"), ("Context:Hour", "7")],
            A,
            "both operator objects hold",
        ),
        c(
            "cond.and_within_operator",
            json!({"StringEquals": {"Model:Provider": "anthropic", "Receipt:ProofTier": "gateway"}}),
            &[("Model:Provider", "anthropic"), ("Receipt:ProofTier", "self")],
            D,
            "inside one operator every key must hold: the proof tier self is not gateway",
        ),
    ]
}

fn deny_condition_cases() -> Vec<Case> {
    let p = || {
        v2(json!([
            {"sid": "AllowEgress", "effect": "Allow", "actions": ["side_effect:network_egress"], "resources": ["**"]},
            {"sid": "DenyOutsideCorp", "effect": "Deny", "actions": ["side_effect:network_egress"], "resources": ["**"],
             "conditions": {"StringNotLike": {"SideEffect:TargetDomain": "*.corp.example"}}},
            {"sid": "DenyUnknownOp", "effect": "Deny", "actions": ["*"], "resources": ["**"],
             "conditions": {"DateLessThan": {"Context:Hour": "24"}}}
        ]))
    };
    vec![
        case("deny.not_like_missing_key", p(), "side_effect:network_egress", "digest-only", &[], D, BY, &["DenyOutsideCorp"],
            "without a target domain NotLike holds, so the Deny applies: fail closed; DenyUnknownOp's unknown operator is false"),
        case("deny.not_like_inside", p(), "side_effect:network_egress", "git.corp.example", &[("SideEffect:TargetDomain", "git.corp.example")], A, OK, &["AllowEgress"],
            "git.corp.example matches *.corp.example, so the NotLike Deny does not apply"),
        case("deny.not_like_outside", p(), "side_effect:network_egress", "evil.example", &[("SideEffect:TargetDomain", "evil.example")], D, BY, &["DenyOutsideCorp"],
            "evil.example is outside *.corp.example"),
    ]
}

fn v1_cases() -> Vec<Case> {
    let providers = || v1(json!({"allowed_providers": ["anthropic"]}));
    let models = || v1(json!({"allowed_models": ["claude-*", "meta/*"]}));
    let both = || v1(json!({"allowed_providers": ["anthropic"], "allowed_models": ["claude-*"]}));
    let egress = || v1(json!({"egress_allowlist": ["*.github.com", "pypi.org"]}));
    let m = "model:invoke";
    let e = "side_effect:network_egress";
    vec![
        case(
            "v1.providers_only_listed",
            providers(),
            m,
            "anthropic",
            &[("Model:Provider", "anthropic"), ("Model:Name", "anything-at-all")],
            A,
            OK,
            &["v1.model_invoke"],
            "anthropic is listed and allowed_models is absent (all models)",
        ),
        case(
            "v1.providers_only_unlisted",
            providers(),
            m,
            "openai",
            &[("Model:Provider", "openai"), ("Model:Name", "gpt-4o")],
            D,
            NONE,
            &[],
            "openai is not in allowed_providers",
        ),
        case(
            "v1.models_only_listed",
            models(),
            m,
            "openai",
            &[("Model:Provider", "openai"), ("Model:Name", "claude-3-haiku")],
            A,
            OK,
            &["v1.model_invoke"],
            "allowed_providers is absent (all providers) and claude-3-haiku matches claude-*",
        ),
        case(
            "v1.models_only_unlisted",
            models(),
            m,
            "anthropic",
            &[("Model:Provider", "anthropic"), ("Model:Name", "gpt-4o")],
            D,
            NONE,
            &[],
            "gpt-4o matches no allowed_models pattern",
        ),
        case(
            "v1.models_with_slash",
            models(),
            m,
            "meta",
            &[("Model:Provider", "meta"), ("Model:Name", "meta/llama-3")],
            A,
            OK,
            &["v1.model_invoke"],
            "model names may contain /: meta/* matches meta/llama-3",
        ),
        case(
            "v1.models_slash_star",
            models(),
            m,
            "meta",
            &[("Model:Provider", "meta"), ("Model:Name", "meta/llama/3")],
            D,
            NONE,
            &[],
            "* in meta/* does not cross the second /",
        ),
        case(
            "v1.both_listed",
            both(),
            m,
            "anthropic",
            &[("Model:Provider", "anthropic"), ("Model:Name", "claude-3-opus")],
            A,
            OK,
            &["v1.model_invoke"],
            "listed provider and listed model",
        ),
        case(
            "v1.both_listed_provider_unlisted_model",
            both(),
            m,
            "anthropic",
            &[("Model:Provider", "anthropic"), ("Model:Name", "gpt-4o")],
            D,
            NONE,
            &[],
            "the AND rule: a listed provider's unlisted model is denied (the reference's OR would allow it)",
        ),
        case(
            "v1.both_unlisted_provider_listed_model",
            both(),
            m,
            "openai",
            &[("Model:Provider", "openai"), ("Model:Name", "claude-3-opus")],
            D,
            NONE,
            &[],
            "the AND rule: a listed model from an unlisted provider is denied",
        ),
        case(
            "v1.model_missing_name",
            both(),
            m,
            "anthropic",
            &[("Model:Provider", "anthropic")],
            D,
            NONE,
            &[],
            "allowed_models is present and the request has no Model:Name: Like is false",
        ),
        case(
            "v1.empty_providers_mean_all",
            v1(json!({"allowed_providers": []})),
            m,
            "google",
            &[("Model:Provider", "google"), ("Model:Name", "gemini")],
            A,
            OK,
            &["v1.model_invoke"],
            "an empty allowed_providers means all providers (its schema: omitted or empty)",
        ),
        case(
            "v1.empty_models_allow_none",
            v1(json!({"allowed_models": []})),
            m,
            "anthropic",
            &[("Model:Provider", "anthropic"), ("Model:Name", "claude-3")],
            D,
            NONE,
            &[],
            "an empty allowed_models allows no model",
        ),
        case(
            "v1.egress_listed_subdomain",
            egress(),
            e,
            "api.github.com",
            &[("SideEffect:TargetDomain", "api.github.com")],
            A,
            OK,
            &["v1.network_egress"],
            "api.github.com matches *.github.com",
        ),
        case(
            "v1.egress_bare_domain",
            egress(),
            e,
            "github.com",
            &[("SideEffect:TargetDomain", "github.com")],
            D,
            NONE,
            &[],
            "*.github.com needs a label before .github.com; github.com is not listed",
        ),
        case(
            "v1.egress_exact",
            egress(),
            e,
            "pypi.org",
            &[("SideEffect:TargetDomain", "pypi.org")],
            A,
            OK,
            &["v1.network_egress"],
            "pypi.org is listed literally",
        ),
        case(
            "v1.egress_unlisted",
            egress(),
            e,
            "evil.example",
            &[("SideEffect:TargetDomain", "evil.example")],
            D,
            NONE,
            &[],
            "evil.example matches no egress_allowlist entry",
        ),
        case(
            "v1.egress_no_domain",
            egress(),
            e,
            "digest",
            &[],
            D,
            NONE,
            &[],
            "a hash-only receipt gives no SideEffect:TargetDomain: Like is false",
        ),
        case(
            "v1.egress_absent_allows_all",
            v1(json!({})),
            e,
            "anywhere.example",
            &[("SideEffect:TargetDomain", "anywhere.example")],
            A,
            OK,
            &["v1.network_egress"],
            "no egress_allowlist: all egress",
        ),
        case(
            "v1.tool_execute",
            providers(),
            "tool:execute",
            "bash",
            &[("Tool:Name", "bash")],
            A,
            OK,
            &["v1.unruled"],
            "v1 has no rule for tools: allowed",
        ),
        case(
            "v1.filesystem_write",
            egress(),
            "side_effect:filesystem_write",
            "/tmp/out",
            &[],
            A,
            OK,
            &["v1.unruled"],
            "v1 has no rule for filesystem effects: allowed, even with an egress allowlist",
        ),
        case(
            "v1.unknown_action",
            providers(),
            "payment:send",
            "acct",
            &[],
            D,
            NONE,
            &[],
            "no v1 statement covers payment:send: default deny",
        ),
    ]
}

fn inherits_cases() -> Vec<Case> {
    let child = || {
        v2_named(
            "child",
            Some("parent"),
            json!([
                {"sid": "ChildAll", "effect": "Allow", "actions": ["*"], "resources": ["**"]},
                {"sid": "ChildDenyCurl", "effect": "Deny", "actions": ["tool:execute"], "resources": ["curl"]}
            ]),
        )
    };
    let parent = || {
        v2_named(
            "parent",
            None,
            json!([
                {"sid": "ParentTools", "effect": "Allow", "actions": ["tool:*"], "resources": ["**"]},
                {"sid": "ParentDenyBash", "effect": "Deny", "actions": ["tool:execute"], "resources": ["bash"]}
            ]),
        )
    };
    let with_parent = |mut c: Case| {
        c.parents = vec![parent()];
        c
    };
    let t = "tool:execute";
    vec![
        with_parent(case(
            "inherits.both_allow",
            child(),
            t,
            "ls",
            &[],
            A,
            OK,
            &["ChildAll", "parent:ParentTools"],
            "the child (ChildAll) and the parent (ParentTools) both allow: the allowing statements of both are named",
        )),
        with_parent(case(
            "inherits.parent_does_not_allow",
            child(),
            "model:invoke",
            "anthropic",
            &[],
            D,
            NONE,
            &[],
            "the child allows, but no parent statement covers model:invoke: strict intersection denies",
        )),
        with_parent(case(
            "inherits.parent_denies",
            child(),
            t,
            "bash",
            &[],
            D,
            BY,
            &["parent:ParentDenyBash"],
            "the parent's Deny on bash wins over both Allows",
        )),
        with_parent(case(
            "inherits.child_denies",
            child(),
            t,
            "curl",
            &[],
            D,
            BY,
            &["ChildDenyCurl"],
            "the child's own Deny wins though the parent allows tools",
        )),
        case(
            "inherits.parent_missing",
            child(),
            t,
            "ls",
            &[],
            D,
            "parent_missing",
            &[],
            "the child inherits from parent, which is not in the evidence: every decision is DENY",
        ),
    ]
}

/// Every case, in file order.
pub fn cases() -> Vec<Case> {
    let mut out = glob_cases();
    out.extend(action_and_effect_cases());
    out.extend(condition_cases());
    out.extend(deny_condition_cases());
    out.extend(v1_cases());
    out.extend(inherits_cases());
    out
}
