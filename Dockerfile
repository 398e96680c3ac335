# Surak hub on Debian 12: built in one stage, run from a slim one.
FROM debian:12 AS build
RUN apt-get update && apt-get install -y --no-install-recommends \
      gcc make pkg-config libwebsockets-dev libhiredis-dev libjansson-dev \
      libutf8proc-dev libuv1-dev libssl-dev libstemmer-dev libqrencode-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Makefile ./
COPY scripts/embed.sh scripts/
COPY server server
RUN make all

FROM debian:12-slim
RUN apt-get update && apt-get install -y --no-install-recommends \
      libwebsockets17 libwebsockets-evlib-uv libhiredis0.14 libjansson4 libutf8proc2 libuv1 libssl3 libstemmer0d libqrencode4 curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --no-create-home surak
COPY --from=build /src/build/surak /usr/local/bin/surak
COPY web /srv/surak/web
USER surak
ENV SURAK_WEB=/srv/surak/web SURAK_PORT=8080
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s CMD curl -fs http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["/usr/local/bin/surak"]
