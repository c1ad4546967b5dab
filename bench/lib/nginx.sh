# shellcheck shell=bash
# nginx, the reference proxy of the upload benchmarks (bench/upload-bench.sh, bench/ab-upload.sh). Needs WORK,
# NGINX_PORT and the gateway (LOCAL_S3STS_ENDPOINT); sets NGINX_PID (the master) and NGINX_PIDS (master and worker).

# nginx as a plain streaming reverse proxy in front of RGW, as deployed: a master and one worker (the broker has
# one core here too), request bodies passed on as they arrive (in client_body_buffer_size pieces, nginx's default
# 16k: NGINX_CONFIG says so in the report), nothing buffered to disk, keep-alive to the gateway. The Host header stays
# the one the URL was presigned for, so RGW accepts the signature.
start_nginx() {
  local gw=${LOCAL_S3STS_ENDPOINT#http://} i
  mkdir -p "$WORK/nginx"
  cat >"$WORK/nginx/nginx.conf" <<NGINX
daemon off;
master_process on;
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  client_max_body_size 0;
  proxy_request_buffering off;
  proxy_buffering off;
  proxy_http_version 1.1;
  upstream rgw { server $gw; keepalive 16; }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / {
      proxy_pass http://rgw;
      proxy_set_header Host $gw;
      proxy_set_header Connection "";
    }
  }
}
NGINX
  ! port_busy "$NGINX_PORT" || die "127.0.0.1:$NGINX_PORT is in use (set BENCH_NGINX_PORT, or AB_NGINX_PORT)"
  nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" >>"$WORK/nginx/stdout.log" 2>&1 &
  NGINX_PID=$!
  for ((i = 0; i < 50; i++)); do
    # The master listens before it forks its worker: both must be there, to be counted.
    if port_busy "$NGINX_PORT" && pgrep -P "$NGINX_PID" >/dev/null; then
      NGINX_PIDS="$NGINX_PID $(pgrep -P "$NGINX_PID" | tr '\n' ' ')"
      return 0
    fi
    sleep 0.1
  done
  die "nginx did not start: $(tail -n 5 "$WORK/nginx/error.log" 2>/dev/null)"
}
