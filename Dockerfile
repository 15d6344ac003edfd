# Fjord in a container. NOT built on the machine that wrote it (no engine there): see docs/deploy.md.
#   scripts/publish.sh linux-x64 && docker build -t fjord .
FROM debian:12-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends bubblewrap libseccomp2 slirp4netns iproute2 util-linux python3 nodejs ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --user-group --home-dir /var/lib/fjord --shell /usr/sbin/nologin fjord \
 && install -d -o fjord -g fjord -m 0700 /var/lib/fjord
COPY artifacts/publish/linux-x64/fjord /usr/bin/fjord
USER fjord
ENV DOTNET_BUNDLE_EXTRACT_BASE_DIR=/var/lib/fjord/.cache
WORKDIR /var/lib/fjord
EXPOSE 8080
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/fjord"]
CMD ["up", "--data", "/var/lib/fjord", "--host", "0.0.0.0", "--port", "8080"]
