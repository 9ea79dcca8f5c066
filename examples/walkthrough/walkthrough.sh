#!/usr/bin/env bash
# The README walk-through, runnable as it stands: keys for everyone, a signed two-person-gated
# policy, a token pinned to it, two approvals, a gateway receipt, a sealed bundle, verification,
# tampering, and an inclusion proof for one approval.
#
#   bash examples/walkthrough/walkthrough.sh [WORK_DIR]     (CLAWAUDIT=path/to/clawaudit to pick a binary)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
CLAWAUDIT=${CLAWAUDIT:-clawaudit}
work=${1:-$(mktemp -d)}
mkdir -p "$work" && cd "$work"
ca() { "$CLAWAUDIT" "$@"; }
fill() { sed -e "s|@ISSUER@|$ISSUER|g" -e "s|@AGENT@|$AGENT|g" -e "s|@SEALER@|$SEALER|g" -e "s|@TOKENS@|$TOKENS|g" \
             -e "s|@ALICE@|$ALICE|g" -e "s|@BOB@|$BOB|g" -e "s|@GATEWAY@|$GATEWAY|g" "$here/$1" > "$2"; }

echo "== 1. keys"
SEALER=$(ca keygen -o sealer.key.json)
ISSUER=$(ca keygen -o policy-issuer.key.json)
TOKENS=$(ca keygen -o token-issuer.key.json)
ALICE=$(ca keygen -o alice.key.json)
BOB=$(ca keygen -o bob.key.json)
GATEWAY=$(ca keygen -o gateway.key.json)
AGENT=$(ca keygen -o agent.key.json)
echo "sealer $SEALER"
fill trust.template.json trust.json

echo "== 2. a policy with a two-person gate, and a token pinned to it"
mkdir -p run-42/artifacts/{policy,token,plans,approvals,receipts}
fill wpc-payload.template.json wpc-payload.json
ca policy sign wpc-payload.json --key policy-issuer.key.json --issued-at 2026-03-01T10:00:00Z -o run-42/artifacts/policy/wpc.json
POLICY_HASH=$(ca policy hash run-42/artifacts/policy/wpc.json)
echo "policy hash $POLICY_HASH"
fill claims.template.json claims.json
ca token mint --key token-issuer.key.json --claims claims.json --policy run-42/artifacts/policy/wpc.json \
  --iat 2026-03-01T11:00:00Z --ttl 900 -o run-42/artifacts/token/cst.jwt

echo "== 3. the plan, approved by two people"
fill plan.template.json run-42/artifacts/plans/stage_new_secret.json
ca approve --plan run-42/artifacts/plans/stage_new_secret.json --policy run-42/artifacts/policy/wpc.json \
  --key alice.key.json --subject alice@example.com --agent-did "$AGENT" --decision approve \
  --receipt-id appr-alice --timestamp 2026-03-01T11:02:00Z --method cli-confirm -o run-42/artifacts/approvals/appr-alice.json
ca approve --plan run-42/artifacts/plans/stage_new_secret.json --policy run-42/artifacts/policy/wpc.json \
  --key bob.key.json --subject bob@example.com --agent-did "$AGENT" --decision approve \
  --receipt-id appr-bob --timestamp 2026-03-01T11:03:00Z --method cli-confirm -o run-42/artifacts/approvals/appr-bob.json

echo "== 4. a gateway receipt bound to the policy and the token"
ca receipt sign "$here/receipt-payload.json" --key gateway.key.json --policy run-42/artifacts/policy/wpc.json \
  --token run-42/artifacts/token/cst.jwt -o run-42/artifacts/receipts/rcpt-0001.json

echo "== 5. seal and verify"
ca seal run-42 --key sealer.key.json --job-id job-42 --run-id run_42 --agent-did "$AGENT" \
  --bundle-id bundle-42 --created-at 2026-03-01T11:20:00Z -o run-42.audit.zip
ca verify run-42.audit.zip --trust trust.json --at 2026-03-01T12:00:00Z --expect-policy="$POLICY_HASH"

echo "== 6. tamper with the plan after sealing, and verify again"
python3 - <<'PY'
import zipfile
with zipfile.ZipFile("run-42.audit.zip") as src, zipfile.ZipFile("tampered.audit.zip", "w", zipfile.ZIP_DEFLATED) as dst:
    for info in src.infolist():
        data = src.read(info.filename)
        if info.filename == "artifacts/plans/stage_new_secret.json":
            data = data.replace(b"payments-api canary first", b"all consumers at once")
        dst.writestr(info, data)
PY
ca verify tampered.audit.zip --trust trust.json --at 2026-03-01T12:00:00Z || echo "exit code $?"

echo "== 7. prove one approval and verify the proof alone"
ca prove run-42.audit.zip artifacts/approvals/appr-alice.json -o appr-alice.proof.json
ca verify appr-alice.proof.json --artifact run-42/artifacts/approvals/appr-alice.json --trust trust.json --at 2026-03-01T12:00:00Z
