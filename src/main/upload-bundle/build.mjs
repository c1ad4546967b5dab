// Builds the page's vendor/ folder from the packages package-lock.json pins: one ES module (the exports of
// entry.js), one stylesheet, and the licence of every package the bundle holds. Run by scripts/upload-bundle.sh.
// Same packages, same esbuild, same options: the same bytes (docs/decisions/0034-uppy-6-page-bundle.md).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { build } from 'esbuild'

const out = process.argv[2]
if (!out) throw new Error('usage: node build.mjs OUTPUT_DIR')
const common = { bundle: true, minify: true, write: false, metafile: true, logLevel: 'warning', charset: 'ascii' }
const js = await build({
  ...common,
  entryPoints: ['entry.js'],
  outfile: join(out, 'uppy.min.mjs'),
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  legalComments: 'eof',
})
const css = await build({ ...common, entryPoints: ['entry.css'], outfile: join(out, 'uppy.min.css') })
for (const file of [...js.outputFiles, ...css.outputFiles]) writeFileSync(file.path, file.contents)

// Every package a byte of the bundle comes from, with its licence text.
const packages = new Set()
for (const input of [...Object.keys(js.metafile.inputs), ...Object.keys(css.metafile.inputs)]) {
  const match = input.match(/^node_modules\/((?:@[^/]+\/)?[^/]+)\//)
  if (match) packages.add(match[1])
}
const sections = [...packages].sort().map((name) => {
  const dir = join('node_modules', name)
  const { version, license } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
  // mime-match ships its licence in its README only.
  const file = readdirSync(dir).find((f) => /^(licen[cs]e|copying)/i.test(f))
  const text = file ? readFileSync(join(dir, file), 'utf8')
    : readFileSync(join(dir, 'README.md'), 'utf8').match(/^## License[^]*/m)?.[0]
  if (!text) throw new Error(`${name} has no licence text`)
  return `${name} ${version} (${license})\n\n${text.trim()}\n`
})
writeFileSync(join(out, 'LICENSES.txt'), `${sections.join('\n' + '-'.repeat(79) + '\n\n')}`)
