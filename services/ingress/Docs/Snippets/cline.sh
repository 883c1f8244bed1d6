cline auth -p openai-compatible -k "$ROUTER_TOKEN" -m {{GROUP}} -b {{ROUTER_URL}}/v1
cline "Say hello"
