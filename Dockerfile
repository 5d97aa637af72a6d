# Space Factory as a Hugging Face Docker Space, and the image its Jobs run.
#
#   docker build -t space-factory .
#   docker run -p 7860:7860 space-factory        # then open http://localhost:7860/
#
# One image serves both roles: the Space runs the web server (`space-factory`); a run's Job
# runs `worker run` in the same image (the Job is created with `spaceId` = this Space), so
# the worker, Node with the pinned Pi agent and the `hf` CLI are there with nothing to
# install when a Job starts. README.md "Deploy to Hugging Face" lists the Space settings;
# crates/server/tests/it/deploy_settings/ checks that this file, the README and the code agree.

# ---- Build stage: the server, the worker and the wasm site, optimised -------------------
FROM rust:1-bookworm AS build

# scripts/build-site.sh drives what it needs: the wasm32 target, rust-src (the release
# wasm's standard library is rebuilt to abort on panics without messages), sf-site-tools
# (tools/site-tools: the wasm split at the lazy routes and wasm-bindgen of the version
# Cargo.lock pins) and Binaryen's wasm-opt (npm's, the version end2end pins).
RUN apt-get update \
    && apt-get install -y --no-install-recommends nodejs npm \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN rustup target add wasm32-unknown-unknown \
    && rustup component add rust-src \
    && cargo install --locked --path tools/site-tools \
    && npm install -g "binaryen@$(node -p "require('./end2end/package.json').devDependencies.binaryen")"
# The server and the site (wasm built with the `wasm-release` profile: opt-level z, LTO,
# then wasm-opt), then the worker. The target folder is the clone's own.
RUN SPACE_FACTORY_TARGET_DIR=/src/target LEPTOS_SITE_ROOT=/src/target/site \
    scripts/build-site.sh --release \
    && cargo build --release --locked -p worker

# ---- Runtime stage: slim, non-root ------------------------------------------------------
# The official Node image (Pi needs Node >= 20.6) on the same Debian as the build stage.
FROM node:22-bookworm-slim

# Python for the `hf` CLI (phase 4: the agent uses it), curl for the health check.
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 python3-venv curl ca-certificates \
    && rm -rf /var/lib/apt/lists/*
RUN python3 -m venv /opt/hf \
    && /opt/hf/bin/pip install --no-cache-dir huggingface_hub==2.4.0

# The Pi coding agent, exactly the version tools/pi pins (package-lock.json).
COPY tools/pi/package.json tools/pi/package-lock.json /opt/pi/
RUN cd /opt/pi && npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
    && npm cache clean --force

COPY --from=build /src/target/release/space-factory /src/target/release/worker /usr/local/bin/
COPY --from=build /src/target/site /app/site

# Spaces run the container as uid 1000.
RUN useradd --create-home --uid 1000 user
USER user
WORKDIR /home/user

ENV HOME=/home/user \
    PATH=/opt/hf/bin:$PATH \
    HOST=0.0.0.0 \
    PORT=7860 \
    LEPTOS_SITE_ROOT=/app/site \
    HF_ENDPOINT=https://huggingface.co \
    SPACE_FACTORY_PI_PREFIX=/opt/pi \
    RUST_LOG=info

EXPOSE 7860
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD curl -fsS "http://127.0.0.1:${PORT}/healthz" || exit 1

CMD ["space-factory"]
