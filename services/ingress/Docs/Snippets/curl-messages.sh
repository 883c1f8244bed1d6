curl -s {{ROUTER_URL}}/v1/messages -H "x-api-key: $ROUTER_TOKEN" -H "anthropic-version: 2023-06-01" -H "Content-Type: application/json" \
  -d '{"model": "{{GROUP}}", "max_tokens": 1024, "messages": [{"role": "user", "content": "Say hello"}]}'
