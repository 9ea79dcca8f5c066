#!/usr/bin/env bash
# The README's walk-through ("Sealed audit bundles: a walk-through"), its commands only. Run it in an
# empty directory with clawaudit on PATH, e.g. from the repository root:
#   mkdir demo && cd demo && bash ../examples/walkthrough/walkthrough.sh
# Generated from README.md: tests/readme.rs fails when the two differ, and
# `CLAWAUDIT_README_WRITE=1 cargo test --test readme` rewrites this file.

# 1. keys (each file is written with mode 0600; only the DID is printed)
SEALER=$(clawaudit keygen -o sealer.key.json)
ISSUER=$(clawaudit keygen -o policy-issuer.key.json)
TOKENS=$(clawaudit keygen -o token-issuer.key.json)
ALICE=$(clawaudit keygen -o alice.key.json)
BOB=$(clawaudit keygen -o bob.key.json)
GATEWAY=$(clawaudit keygen -o gateway.key.json)
AGENT=$(clawaudit keygen -o agent.key.json)
echo "$AGENT"
# the trust file names each one's role
cat > trust.json <<EOF
{
  "trust_version": "1",
  "sealers": [{"did": "$SEALER", "name": "ci-sealer"}],
  "policy_issuers": [{"did": "$ISSUER", "name": "security-team"}],
  "token_issuers": [{"did": "$TOKENS", "name": "token-service"}],
  "approvers": [
    {"did": "$ALICE", "subject": "alice@example.com", "groups": ["change-board"]},
    {"did": "$BOB", "subject": "bob@example.com", "groups": ["change-board"]}
  ],
  "gateways": [{"did": "$GATEWAY", "name": "clawproxy"}]
}
EOF
# 2. a policy whose metadata.clawaudit extension gates "stage_new_secret" on two approvers
#    from the change board, independent of the requester; and a token pinned to it
mkdir -p run-42/artifacts/policy run-42/artifacts/token run-42/artifacts/plans run-42/artifacts/approvals \
    run-42/artifacts/receipts
cat > wpc-payload.json <<EOF
{
  "policy_version": "1",
  "policy_id": "pol_rotate_stripe_key",
  "issuer_did": "$ISSUER",
  "allowed_providers": ["anthropic"],
  "metadata": {
    "clawaudit": {
      "extension_version": "1",
      "token_constraints": {"cst_ttl_seconds_max": 900, "require_policy_hash_pinning": true, "require_job_binding": true},
      "approval_gates": [
        {"gate_id": "stage_new_secret", "min_approvers": 2, "independent_of_requester": true,
         "approver_group": "change-board", "approval_ttl_seconds": 900}
      ]
    }
  }
}
EOF
clawaudit policy sign wpc-payload.json --key policy-issuer.key.json --issued-at 2026-03-01T10:00:00Z \
    -o run-42/artifacts/policy/wpc.json
POLICY_HASH=$(clawaudit policy hash run-42/artifacts/policy/wpc.json)
echo "$POLICY_HASH"
cat > claims.json <<EOF
{
  "token_version": "1",
  "sub": "agent:secret-rotator",
  "aud": ["clawproxy"],
  "scope": ["secrets:stage", "deploy:canary"],
  "iat": 1772362800,
  "exp": 1772363700,
  "agent_did": "$AGENT",
  "mission_id": "job-42"
}
EOF
clawaudit token mint --key token-issuer.key.json --claims claims.json --policy run-42/artifacts/policy/wpc.json \
    --iat 2026-03-01T11:00:00Z --ttl 900 -o run-42/artifacts/token/cst.jwt
# 3. the plan, approved by Alice and Bob
cat > run-42/artifacts/plans/stage_new_secret.json <<EOF
{
  "plan_version": "1",
  "gate_id": "stage_new_secret",
  "job_id": "job-42",
  "requested_by": "$AGENT",
  "summary": "Create stripe_api_key v8 and roll it out: payments-api canary first",
  "change_set": {"secret": "secret://prod/payments/stripe_api_key", "new_version": "v8", "consumers": ["payments-api", "billing-worker"]},
  "backout": {"action": "redeploy v7 to every consumer; v7 stays valid until revoke"}
}
EOF
clawaudit approve --plan run-42/artifacts/plans/stage_new_secret.json --policy run-42/artifacts/policy/wpc.json \
    --key alice.key.json --subject alice@example.com --agent-did "$AGENT" --decision approve \
    --receipt-id appr-alice --timestamp 2026-03-01T11:02:00Z --method cli-confirm -o run-42/artifacts/approvals/appr-alice.json
clawaudit approve --plan run-42/artifacts/plans/stage_new_secret.json --policy run-42/artifacts/policy/wpc.json \
    --key bob.key.json --subject bob@example.com --agent-did "$AGENT" --decision approve \
    --receipt-id appr-bob --timestamp 2026-03-01T11:03:00Z --method cli-confirm -o run-42/artifacts/approvals/appr-bob.json
# 4. a gateway receipt, bound to the policy and the token when signed
cat > receipt-payload.json <<EOF
{
  "receipt_version": "1",
  "receipt_id": "rcpt-0001",
  "gateway_id": "gw-prod-1",
  "provider": "anthropic",
  "model": "claude-sonnet",
  "request_hash_b64u": "znFMvVUosicygIr9uAwLugv-vYW--WPViQLpMQ6daXI",
  "response_hash_b64u": "I-UgWdP2Vh8iGQumBflRpGs7RqcR0pDjlOXPSk4ylBY",
  "tokens_input": 812,
  "tokens_output": 240,
  "latency_ms": 930,
  "timestamp": "2026-03-01T11:05:00.000Z",
  "binding": {"run_id": "run_42", "nonce": "nonce-0001"}
}
EOF
clawaudit receipt sign receipt-payload.json --key gateway.key.json --policy run-42/artifacts/policy/wpc.json \
    --token run-42/artifacts/token/cst.jwt -o run-42/artifacts/receipts/rcpt-0001.json
# 5. seal, and verify
clawaudit seal run-42 --key sealer.key.json --job-id job-42 --run-id run_42 --agent-did "$AGENT" \
    --bundle-id bundle-42 --created-at 2026-03-01T11:20:00Z -o run-42.audit.zip
clawaudit verify run-42.audit.zip --trust trust.json --at 2026-03-01T12:00:00Z --expect-policy="$POLICY_HASH"
# 6. change one word of the plan inside the ZIP (Python's zipfile), and verify again
python3 - <<'EOF'
import zipfile
with zipfile.ZipFile("run-42.audit.zip") as src, zipfile.ZipFile("tampered.audit.zip", "w", zipfile.ZIP_DEFLATED) as dst:
    for info in src.infolist():
        data = src.read(info.filename)
        if info.filename == "artifacts/plans/stage_new_secret.json":
            data = data.replace(b"payments-api canary first", b"all consumers at once")
        dst.writestr(info, data)
EOF
clawaudit verify tampered.audit.zip --trust trust.json --at 2026-03-01T12:00:00Z
# 7. prove one approval to a third party, who checks it against the signed root without the rest of the bundle
clawaudit prove run-42.audit.zip artifacts/approvals/appr-alice.json -o appr-alice.proof.json
clawaudit verify appr-alice.proof.json --artifact run-42/artifacts/approvals/appr-alice.json --trust trust.json \
    --at 2026-03-01T12:00:00Z
