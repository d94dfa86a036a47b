# The build stage's base in .ci/docker: the Python base plus this machine's own CA certificates
# (/usr/local/share/ca-certificates: the egress proxy's), so that pip reaches PyPI from inside
# the build. Only docker/Dockerfile's build stage runs on it; the runtime image does not.
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
COPY *.crt /usr/local/share/ca-certificates/
RUN update-ca-certificates
ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt
