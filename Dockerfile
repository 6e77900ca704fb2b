# Build: docker build -t rollcall .
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin rollcall

FROM debian:bookworm-slim
# fonts-noto-cjk: the Chinese font embedded (subset) in PDF reports.
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates fonts-noto-cjk && rm -rf /var/lib/apt/lists/*
RUN useradd --system --home /var/lib/rollcall rollcall && mkdir -p /var/lib/rollcall && chown rollcall /var/lib/rollcall
COPY --from=build /src/target/release/rollcall /usr/local/bin/rollcall
USER rollcall
WORKDIR /var/lib/rollcall
ENV ROLLCALL__SERVER__HOST=0.0.0.0 ROLLCALL__LOG__FORMAT=json
EXPOSE 8080
ENTRYPOINT ["rollcall"]
CMD ["serve"]
