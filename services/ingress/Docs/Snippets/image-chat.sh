IMAGE=$(base64 -w0 screenshot.png)
curl -s {{ROUTER_URL}}/v1/chat/completions -H "Authorization: Bearer $ROUTER_TOKEN" -H "Content-Type: application/json" -d @- <<JSON
{"model": "{{GROUP}}", "messages": [{"role": "user", "content": [
  {"type": "text", "text": "What does this screenshot show?"},
  {"type": "image_url", "image_url": {"url": "data:image/png;base64,$IMAGE"}}]}]}
JSON
