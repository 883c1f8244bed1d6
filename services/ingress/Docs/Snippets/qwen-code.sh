export OPENAI_BASE_URL="{{ROUTER_URL}}/v1"
export OPENAI_API_KEY="$ROUTER_TOKEN"
export OPENAI_MODEL="{{GROUP}}"
qwen --auth-type openai "Say hello"      # --yolo lets it run its shell tool unattended
