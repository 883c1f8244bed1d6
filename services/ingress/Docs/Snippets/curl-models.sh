curl -s {{ROUTER_URL}}/v1/models -H "Authorization: Bearer $ROUTER_TOKEN"
