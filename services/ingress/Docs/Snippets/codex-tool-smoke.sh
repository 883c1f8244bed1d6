mkdir -p "$PWD/codex-scratch"
docker run --rm --network host --cap-drop ALL --security-opt no-new-privileges --read-only \
  --tmpfs /tmp:rw,exec,size=512m -e HOME=/tmp -e npm_config_cache=/tmp/npm \
  -v "$PWD/codex-scratch:/scratch" -w /scratch \
  -e ROUTER_TOKEN="$ROUTER_TOKEN" \
  node:20-slim npx --yes @openai/codex@0.169.0 exec --ignore-user-config --ephemeral --ignore-rules --skip-git-repo-check \
    --dangerously-bypass-approvals-and-sandbox \
    -c 'model="{{GROUP}}"' -c 'model_provider="metrum-router"' \
    -c 'model_providers.metrum-router.base_url="{{ROUTER_URL}}/v1"' \
    -c 'model_providers.metrum-router.env_key="ROUTER_TOKEN"' \
    -c 'model_providers.metrum-router.wire_api="responses"' \
    "Use the shell to create hello.txt containing: hello from the router. Then reply: done" </dev/null
cat codex-scratch/hello.txt
