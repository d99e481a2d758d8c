// Dockerfile lint (no Docker engine here): two stages on Node 24, a non-root runtime without build
// tools or dev dependencies, and a .dockerignore that keeps what the stages copy.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { buildBundles } from '../../../scripts/bundle.ts';
import {
  isIgnored,
  parseCopy,
  parseDockerfile,
  parseDockerignore,
  parseEnv,
  parseExecForm,
  type Stage,
} from './dockerfile.ts';
import { repoRoot } from './manifest-files.ts';

const dockerfileText = readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8');
const dockerignoreText = readFileSync(path.join(repoRoot, '.dockerignore'), 'utf8');
const stages = parseDockerfile(dockerfileText);
const build = stages[0]!;
const runtime = stages.at(-1)!;
const ignored = parseDockerignore(dockerignoreText);

const args = (stage: Stage, keyword: string) =>
  stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);

test('two stages, both on Node 24: a Debian build stage and the slim runtime', () => {
  assert.equal(stages.length, 2);
  assert.equal(build.image, 'node:24-bookworm');
  assert.ok(build.name, 'the build stage is named, for COPY --from');
  assert.equal(runtime.image, 'node:24-bookworm-slim');
});

test('the build stage installs from the lock file, builds the addon against local headers, then bundles', () => {
  const runs = args(build, 'RUN').join(' && ');
  assert.match(runs, /\bnpm ci\b/);
  assert.doesNotMatch(runs, /\bnpm (install|i)\b/);
  assert.match(runs, /\bnpm run bundle\b/);
  const env = Object.assign({}, ...args(build, 'ENV').map(parseEnv));
  assert.equal(
    env.npm_config_nodedir,
    '/usr/local',
    'node:24-bookworm ships headers in /usr/local/include/node',
  );
  const copied = args(build, 'COPY').flatMap((a) => parseCopy(a).sources);
  const ciIndex = build.instructions.findIndex((i) => i.keyword === 'RUN' && /npm ci/.test(i.args));
  const beforeCi = build.instructions.slice(0, ciIndex).filter((i) => i.keyword === 'COPY');
  assert.deepEqual(beforeCi.flatMap((i) => parseCopy(i.args).sources).sort(), [
    'binding.gyp',
    'package-lock.json',
    'package.json',
    'speaker/native',
  ]);
  assert.ok(copied.includes('.'), 'the sources are copied after the dependencies');
});

test('the runtime stage runs as a non-root user and installs nothing', () => {
  const users = args(runtime, 'USER');
  assert.equal(users.length, 1);
  const [user = '', group] = users[0]!.split(':');
  assert.equal(user, '65532');
  assert.notEqual(group, '0');
  assert.ok(
    runtime.instructions.findIndex((i) => i.keyword === 'USER') >
      runtime.instructions.findLastIndex((i) => i.keyword === 'COPY' || i.keyword === 'RUN'),
    'USER comes after every step that writes files',
  );
  for (const run of args(runtime, 'RUN'))
    assert.doesNotMatch(run, /\b(npm|apt-get|apt|gcc|g\+\+|make|python3|setcap)\b/, `RUN ${run}`);
});

test('the runtime stage copies built files only from the build stage, never dev tooling', () => {
  const copies = args(runtime, 'COPY').map(parseCopy);
  assert.ok(copies.length > 0);
  for (const copy of copies) {
    assert.equal(copy.from, build.name, `COPY ${copy.sources.join(' ')} comes from the build stage`);
    for (const source of copy.sources)
      assert.doesNotMatch(source, /\b(test|bench|lab|native|\.git)\b/, source);
  }
  const sources = copies.flatMap((c) => c.sources);
  assert.ok(!sources.includes('/app/node_modules'), 'the bundles hold every dependency');
  assert.ok(sources.includes('/app/dist'));
  assert.ok(sources.includes('/app/build/Release/packet_socket.node'));
});

test('the entrypoint is the CLI in exec form, so the Pod args pick the subcommand', () => {
  const entrypoints = args(runtime, 'ENTRYPOINT');
  assert.equal(entrypoints.length, 1);
  assert.deepEqual(parseExecForm(entrypoints[0]!), ['/app/bin/baremetal-lb']);
});

test('.dockerignore keeps build output and local state out, and everything the stages copy in', () => {
  assert.ok(!dockerignoreText.split('\n').some((l) => l.trim().startsWith('!')), 'no negations');
  for (const out of [
    'node_modules/x',
    'build/Release/packet_socket.node',
    '.git/HEAD',
    '.lab/state.json',
    'dist/speaker.mjs',
    'x.log',
  ])
    assert.ok(isIgnored(out, ignored), `${out} is ignored`);
  const needed = [
    ...args(build, 'COPY')
      .map(parseCopy)
      .flatMap((c) => c.sources)
      .filter((s) => s !== '.'),
    ...args(runtime, 'COPY')
      .flatMap((a) => parseCopy(a).sources)
      .map((s) => s.replace(/^\/app\//, '')),
  ].filter((s) => !/^(node_modules|build\/|dist)/.test(s)); // made in the build stage
  for (const source of needed) assert.ok(!isIgnored(source, ignored), `${source} is in the build context`);
});

test('ignore patterns follow Docker: root-relative, parents exclude children, ** spans folders', () => {
  const cases: [string, string[], boolean][] = [
    ['node_modules/a/b.js', ['node_modules'], true],
    ['src/node_modules/a.js', ['node_modules'], false],
    ['src/node_modules/a.js', ['**/node_modules'], true],
    ['a.log', ['*.log'], true],
    ['logs/a.log', ['*.log'], false],
    ['logs/a.log', ['**/*.log'], true],
    ['build', ['build'], true],
    ['builder/x', ['build'], false],
    ['a/b/c', ['a/*/c'], true],
    ['a/b/d/c', ['a/*/c'], false],
    ['file.ts', ['file?ts'], true],
  ];
  for (const [file, patterns, expected] of cases)
    assert.equal(isIgnored(file, patterns), expected, `${file} vs ${patterns}`);
});

test('the Dockerfile parser joins continuations, skips comments and splits stages', () => {
  const parsed = parseDockerfile(
    '# hi\nFROM a AS one\nRUN x \\\n  # inner comment\n  y\nFROM b\nCOPY --from=one /p ./q\n',
  );
  assert.deepEqual(parsed, [
    { image: 'a', name: 'one', instructions: [{ keyword: 'RUN', args: 'x y', line: 3 }] },
    { image: 'b', instructions: [{ keyword: 'COPY', args: '--from=one /p ./q', line: 7 }] },
  ]);
  assert.deepEqual(parseCopy('--from=one --chown=1:1 /p /q ./r/'), {
    from: 'one',
    sources: ['/p', '/q'],
    destination: './r/',
  });
  assert.throws(() => parseCopy('./only'), /needs a source and a destination/);
  assert.equal(parseExecForm('/bin/sh -c x'), undefined);
});

test("the image's --help lists exactly the subcommands its files can run", async () => {
  await buildBundles();
  // The runtime stage's /app, assembled from its COPY lines.
  const app = mkdtempSync(path.join(tmpdir(), 'blb-image-'));
  try {
    for (const copy of args(runtime, 'COPY').map(parseCopy)) {
      const target = path.join(app, copy.destination);
      for (const source of copy.sources) {
        const from = path.join(repoRoot, source.replace(/^\/app\//, ''));
        if (existsSync(from)) cpSync(from, target, { recursive: true });
      }
    }
    const cli = (...argv: string[]) =>
      spawnSync(
        process.execPath,
        ['--disable-warning=ExperimentalWarning', path.join(app, 'bin', 'main.mjs'), ...argv],
        {
          encoding: 'utf8',
        },
      );
    const listed = [...cli('--help').stdout.matchAll(/^ {2}(\S+) {2,}/gm)].map((m) => m[1]!);
    assert.deepEqual(listed.sort(), ['check-config', 'controller', 'explain', 'speaker']);
    for (const name of listed)
      assert.equal(cli(name, '--help').status, 0, `${name} --help runs in the image`);
    assert.match(cli('lab', 'up').stderr, /"lab" is not part of this installation/);
  } finally {
    rmSync(app, { recursive: true, force: true });
  }
});
