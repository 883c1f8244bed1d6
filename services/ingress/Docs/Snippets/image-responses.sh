IMAGE=$(base64 -w0 screenshot.png)
curl -s {{ROUTER_URL}}/v1/responses -H "Authorization: Bearer $ROUTER_TOKEN" -H "Content-Type: application/json" -d @- <<JSON
{"model": "{{GROUP}}", "input": [{"role": "user", "content": [
  {"type": "input_text", "text": "What does this screenshot show?"},
  {"type": "input_image", "image_url": "data:image/png;base64,$IMAGE"}]}]}
JSON
