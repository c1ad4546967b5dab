// The client of bench/tus-bench.sh: tus-js-client uploads FILE COUNT times at once to ENDPOINT (one PATCH per upload,
// the client's default), with the Authorization header of TUS_AUTH when set; prints the wall time, the upload URLs and
// the CPU seconds Node used before the first request as JSON; with TUS_CHUNK_MIB set, one PATCH per that many MiB
// (tus-js-client's chunkSize) instead.
// usage: node upload.mjs ENDPOINT FILE COUNT
import { createReadStream, statSync } from 'node:fs'
import { performance } from 'node:perf_hooks'

import * as tus from 'tus-js-client'

const [endpoint, file, count] = process.argv.slice(2)
const size = statSync(file).size
const headers = process.env.TUS_AUTH ? { Authorization: process.env.TUS_AUTH } : {}
const chunk = process.env.TUS_CHUNK_MIB ? { chunkSize: Number(process.env.TUS_CHUNK_MIB) * 1048576 } : {}
const started = performance.now()
const beforeStart = process.cpuUsage() // Node's own start and the modules' loading, before the first request
const urls = await Promise.all(Array.from({ length: Number(count) }, (_, i) => new Promise((resolve, reject) => {
  const upload = new tus.Upload(createReadStream(file), {
    endpoint,
    uploadSize: size,
    headers,
    metadata: { filename: `bench-${i}.bin`, filetype: 'application/octet-stream' },
    retryDelays: [],
    ...chunk,
    onSuccess: () => resolve(upload.url),
    onError: reject,
  })
  upload.start()
})))
const startCpu = (beforeStart.user + beforeStart.system) / 1e6
console.log(JSON.stringify({ seconds: (performance.now() - started) / 1000, urls, startCpu }))
