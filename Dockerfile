# Build: compile the server into one self-contained executable.
FROM oven/bun:1.4.5 AS build
WORKDIR /src
COPY package.json bun.lock ./
# Production dependencies are all the build needs: the test-only ones (PostgreSQL and Chromium binaries, s3rver)
# stay out of the image build.
RUN bun install --frozen-lockfile --production
COPY . .
RUN bun run build && mkdir -p /data

# Run: only the binary, as a non-root user, data on a volume.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /src/dist/chasqui /usr/local/bin/chasqui
# The volume's mount point must belong to the non-root user (uid 65532 in distroless).
COPY --from=build --chown=65532:65532 /data /data
ENV DATA_DIR=/data PORT=8080 HOST=0.0.0.0
VOLUME ["/data"]
EXPOSE 8080
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/chasqui"]
CMD ["serve"]
