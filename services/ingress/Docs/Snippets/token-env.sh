export ROUTER_TOKEN=rtr_metrum_...    # your caller token; keep it out of files you share
