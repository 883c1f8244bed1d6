codex exec --ignore-user-config --ephemeral --ignore-rules --skip-git-repo-check \
  -c 'model="{{GROUP}}"' -c 'model_provider="metrum-router"' \
  -c 'model_providers.metrum-router.base_url="{{ROUTER_URL}}/v1"' \
  -c 'model_providers.metrum-router.env_key="ROUTER_TOKEN"' \
  -c 'model_providers.metrum-router.wire_api="responses"' \
  -c 'model_providers.metrum-router.model_catalog_url="{{ROUTER_URL}}/v1/models"' \
  --image screenshot.png -- "What does this screenshot show? One sentence." </dev/null
