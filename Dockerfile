# baremetal-lb: one image for the controller and the speaker (the first argument picks which).
#   docker build -t REGISTRY/baremetal-lb:0.1.0 .
#   docker run --rm REGISTRY/baremetal-lb:0.1.0 --help

# Build stage: the full Debian image has python3, make and g++ for node-gyp, and the Node headers
# under /usr/local/include/node, so the speaker's N-API addon builds without downloading them.
FROM node:24-bookworm AS build
WORKDIR /app
ENV npm_config_nodedir=/usr/local
# Dependencies first, so that editing the TypeScript sources does not rebuild them.
COPY package.json package-lock.json binding.gyp ./
COPY speaker/native ./speaker/native
# --omit=dev leaves out the "node" devDependency that pins Node for checkouts; bin/baremetal-lb
# then runs the image's own Node 24. The package's install script builds
# build/Release/packet_socket.node.
RUN npm ci --omit=dev && npm cache clean --force
COPY . .

# Runtime stage: no compiler, no npm dev dependencies, no lab, tests or benchmarks; only what
# `baremetal-lb controller|speaker|check-config` loads, and the built addon.
FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/build/Release/packet_socket.node ./build/Release/packet_socket.node
COPY --from=build /app/bin ./bin
COPY --from=build /app/common ./common
COPY --from=build /app/controller ./controller
COPY --from=build /app/speaker ./speaker
COPY --from=build /app/explain ./explain
# Non-root by default (the controller runs like this). The speaker's DaemonSet runs it as user 0
# with every capability dropped except NET_RAW for its AF_PACKET sockets: Kubernetes cannot give
# a non-root process an effective capability, and file capabilities (setcap) on node would need
# allowPrivilegeEscalation and would make node fail to exec in the controller, which drops ALL.
# See manifests/speaker.yaml.
USER 65532:65532
EXPOSE 7472 7946/udp
ENTRYPOINT ["/app/bin/baremetal-lb"]
CMD ["--help"]
