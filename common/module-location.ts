// Where the files a module loads at run time are (worker scripts, the native addon), whether it runs
// from the sources or from the bundles `npm run bundle` writes to dist/. Every bundle is one file in
// dist/, one level below the project root as every source directory is, so this file's own URL
// gives the root either way; and it ends in .mjs only in a bundle.

export const projectRoot = new URL('../', import.meta.url);

const bundled = import.meta.url.endsWith('.mjs');

/** A worker's entry: the source file, or its bundle dist/NAME.mjs (NAME is the source's base name). */
export function workerEntry(sourcePath: string): URL {
  if (!bundled) return new URL(sourcePath, projectRoot);
  const name = sourcePath.slice(sourcePath.lastIndexOf('/') + 1).replace(/\.ts$/, '.mjs');
  return new URL(`dist/${name}`, projectRoot);
}
