# nginx from Debian's packages, run like the official nginx image: the server blocks in
# /etc/nginx/conf.d/*.conf (compose.yaml mounts docker/nginx.conf there), logs to stdout and
# stderr, `wget` for the health check.
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE}
RUN apt-get update \
    && apt-get install -y --no-install-recommends nginx wget \
    && rm -rf /var/lib/apt/lists/* /etc/nginx/sites-enabled/default \
    && ln -sf /dev/stdout /var/log/nginx/access.log \
    && ln -sf /dev/stderr /var/log/nginx/error.log
EXPOSE 8080
# SIGQUIT: finish the requests in flight, then exit.
STOPSIGNAL SIGQUIT
CMD ["nginx", "-g", "daemon off;"]
