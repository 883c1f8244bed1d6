curl -s {{ROUTER_URL}}/v1/responses -H "Authorization: Bearer $ROUTER_TOKEN" -H "Content-Type: application/json" \
  -d '{"model": "{{GROUP}}", "input": "Say hello"}'
