# baremetal-lb: one image for the controller and the speaker (the first argument picks which).
#   docker build -t REGISTRY/baremetal-lb:0.1.0 .
#   docker run --rm REGISTRY/baremetal-lb:0.1.0 --help

# Build stage: the full Debian image has python3, make and g++ for node-gyp, and the Node headers
# under /usr/local/include/node, so the speaker's N-API addon builds without downloading them.
FROM node:24-bookworm AS build
WORKDIR /app
ENV npm_config_nodedir=/usr/local
# Dependencies first, so that editing the TypeScript sources does not rebuild them. All of them:
# esbuild, a dev dependency, bundles the components below. The package's install script builds
# build/Release/packet_socket.node.
COPY package.json package-lock.json binding.gyp ./
COPY speaker/native ./speaker/native
RUN npm ci && npm cache clean --force
COPY . .
# One tree-shaken file per component in dist/ (scripts/bundle.ts): a speaker loads only the code it
# runs, about 70 MB less RSS than from the sources and node_modules.
RUN npm run bundle

# Runtime stage: no compiler, no node_modules, no sources, lab, tests or benchmarks; only the
# bundles `baremetal-lb controller|speaker|check-config|explain` runs, the CLI and the built addon.
# bin/baremetal-lb runs the image's own Node 24.
FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/build/Release/packet_socket.node ./build/Release/packet_socket.node
COPY --from=build /app/bin ./bin
COPY --from=build /app/dist ./dist
# Non-root by default (the controller runs like this). The speaker's DaemonSet runs it as user 0
# with every capability dropped except NET_RAW for its AF_PACKET sockets: Kubernetes cannot give
# a non-root process an effective capability, and file capabilities (setcap) on node would need
# allowPrivilegeEscalation and would make node fail to exec in the controller, which drops ALL.
# See manifests/speaker.yaml.
USER 65532:65532
EXPOSE 7472 7946/udp
ENTRYPOINT ["/app/bin/baremetal-lb"]
CMD ["--help"]
