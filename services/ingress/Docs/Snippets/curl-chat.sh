curl -s {{ROUTER_URL}}/v1/chat/completions -H "Authorization: Bearer $ROUTER_TOKEN" -H "Content-Type: application/json" \
  -d '{"model": "{{GROUP}}", "messages": [{"role": "user", "content": "Say hello"}]}'
