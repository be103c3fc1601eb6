import { build, type BuildOptions, type Message, type Plugin } from 'esbuild';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ownModule } from '../own-files.ts';

/** The audit process's entry module (worker/child.ts), bundled into every audit's bundle. */
const CHILD_ENTRY = fileURLToPath(ownModule('../worker/child', import.meta.url));
/**
 * leak-audit's own package name: an audit file's `import … from 'leak-audit'` is this harness's public
 * API (index.ts), bundled with the entry above, so both share one registry of audits. Resolved here, not
 * by the package's `exports`: an audit file in any folder, with or without leak-audit installed beside
 * it, gets the harness that runs it.
 */
const SELF = 'leak-audit';
const OWN_INDEX = fileURLToPath(ownModule('../index', import.meta.url));
const ENTRY_NAMESPACE = 'leak-audit-entry';

/** The bundle of each audit file, or why it could not be built (a syntax error, an import not found). */
export interface Bundles {
  readonly bundles: ReadonlyMap<string, string>;
  readonly errors: ReadonlyMap<string, string>;
}

/**
 * Compiles each audit file, with the harness's worker code and everything the file imports from its
 * own source, into one JavaScript module per audit, once, in this process. The audit process then
 * loads plain JavaScript into a bare `node --expose-gc`: no TypeScript loader and no test runner in
 * the heap that is measured.
 *
 * Packages (`import mqtt from 'mqtt'`) are not bundled: they load as Node loads them, from the path
 * Node's own resolution finds from the importing file, so they behave in the audit as in the user's
 * program. Each source file's `import.meta.url`, `dirname` and `filename` keep their own values.
 */
export async function bundleAudits(files: readonly string[], outDir: string): Promise<Bundles> {
  const names = files.map((file, i) => `${i}-${basename(file).replace(/\.[cm]?[jt]s$/, '')}`);
  // All at once, the harness's code split into chunks they share: ~0.1 s for the 25 default audits,
  // against 0.85 s built one by one. A file that does not build fails that build, though, so then each
  // is built alone, and only the broken ones are lost.
  try {
    await build(buildOptions(files, names, outDir, true));
    return { bundles: new Map(files.map((file, i) => [file, join(outDir, `${names[i]}.mjs`)])), errors: new Map() };
  } catch {
    const bundles = new Map<string, string>();
    const errors = new Map<string, string>();
    await Promise.all(
      files.map(async (file, i) => {
        const dir = join(outDir, names[i]!);
        try {
          await build(buildOptions([file], [names[i]!], dir, false));
          bundles.set(file, join(dir, `${names[i]}.mjs`));
        } catch (e) {
          errors.set(file, buildErrorText(e, file));
        }
      }),
    );
    return { bundles, errors };
  }
}

/** What every bundle here is: one ES module for Node 20, resolving as Node would, packages left to Node. */
const NODE_MODULE = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Node's own resolution: no `module` condition or field that Node would not read.
  conditions: [],
  mainFields: ['main'],
  logLevel: 'silent',
  // CommonJS code in the bundle calls require(); an ES module has none of its own.
  banner: {
    js: "import { createRequire as __leakAuditRequire } from 'node:module'; const require = __leakAuditRequire(import.meta.url);",
  },
} satisfies BuildOptions;

function buildOptions(files: readonly string[], names: readonly string[], outdir: string, splitting: boolean) {
  return {
    ...NODE_MODULE,
    entryPoints: files.map((file, i) => ({ in: `${ENTRY_NAMESPACE}:${file}`, out: names[i]! })),
    outExtension: { '.js': '.mjs' },
    outdir,
    splitting,
    chunkNames: 'chunks/[name]-[hash]',
    // Source maps for mapping error positions back (cli/source-positions.ts).
    sourcemap: 'linked',
    // The audit and its imports, not only their exports, are what it measures.
    treeShaking: false,
    keepNames: true,
    plugins: [auditEntry(), packagesAsNodeLoadsThem(), ownImportMeta()],
  } satisfies BuildOptions;
}

/**
 * One script of the harness's own (the snapshot analysis), as one JavaScript module Node runs without a
 * TypeScript loader: tsx's start and its loader hooks were ~0.4 s of each analysis process's ~1.5 s.
 */
export async function bundleScript(entry: string, outFile: string): Promise<string> {
  await build({
    ...NODE_MODULE,
    entryPoints: [entry],
    outfile: outFile,
    plugins: [packagesAsNodeLoadsThem(), ownImportMeta()],
  });
  return outFile;
}

/** The bundle's entry: runChild, which loads the audit file once its task is read. */
function auditEntry(): Plugin {
  return {
    name: 'leak-audit-entry',
    setup(b) {
      b.onResolve({ filter: new RegExp(`^${ENTRY_NAMESPACE}:`) }, (args) => ({
        path: args.path.slice(ENTRY_NAMESPACE.length + 1),
        namespace: ENTRY_NAMESPACE,
      }));
      b.onLoad({ filter: /.*/, namespace: ENTRY_NAMESPACE }, (args) => ({
        contents: [
          `import { runChild } from ${JSON.stringify(CHILD_ENTRY)};`,
          `await runChild(() => import(${JSON.stringify(args.path)}));`,
        ].join('\n'),
        resolveDir: dirname(args.path),
        loader: 'js',
      }));
    },
  };
}

/** Bare imports other than leak-audit itself stay imports, of the file Node would load from there. */
function packagesAsNodeLoadsThem(): Plugin {
  const builtins = new Set(builtinModules);
  return {
    name: 'leak-audit-packages',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData === 'resolving' || args.namespace === ENTRY_NAMESPACE) return undefined;
        if (args.path.startsWith('node:') || builtins.has(args.path)) return { path: args.path, external: true };
        if (args.path === SELF) return { path: OWN_INDEX };
        const resolved = await b.resolve(args.path, {
          kind: args.kind,
          resolveDir: args.resolveDir,
          importer: args.importer,
          pluginData: 'resolving',
        });
        if (resolved.errors.length > 0) return { errors: resolved.errors };
        return { path: pathToFileURL(resolved.path).href, external: true };
      });
    },
  };
}

/** `import.meta.url` (and `dirname`, `filename`) of each source file as Node would give it, not the bundle's. */
function ownImportMeta(): Plugin {
  return {
    name: 'leak-audit-import-meta',
    setup(b) {
      b.onLoad({ filter: /\.[cm]?[jt]sx?$/ }, (args) => {
        const source = readFileSync(args.path, 'utf8');
        if (!source.includes('import.meta.')) return undefined;
        const contents = source
          .replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href))
          .replaceAll('import.meta.dirname', JSON.stringify(dirname(args.path)))
          .replaceAll('import.meta.filename', JSON.stringify(args.path));
        const ext = args.path.match(/\.([cm]?[jt]sx?)$/)![1]!.replace(/^[cm]/, '');
        return { contents, loader: ext as 'js' | 'ts' | 'jsx' | 'tsx' };
      });
    },
  };
}

/** esbuild's errors as one line: `line 5:23: Could not resolve "./x.ts"`, naming the file when it is another. */
function buildErrorText(e: unknown, auditFile: string): string {
  const messages = (e as { errors?: Message[] }).errors;
  if (!messages?.length) return e instanceof Error ? e.message : String(e);
  const own = relative(process.cwd(), auditFile);
  return messages
    .map((m) => {
      if (!m.location) return m.text;
      const where = `${m.location.line}:${m.location.column + 1}`;
      return m.location.file === own ? `line ${where}: ${m.text}` : `${m.location.file}:${where}: ${m.text}`;
    })
    .join('; ');
}
