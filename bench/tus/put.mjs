// A Node client of the broker's PUT /item for bench/tus-bench.sh, sending as tus-js-client's Node HTTP stack sends a
// PATCH: node:http, a Content-Length, and the file as an fs.ReadStream piped through a byte-counting Transform (its
// ProgressEmitter). So that tus and PUT /item can be compared with the same kind of client on both sides. Uploads FILE
// COUNT times at once to URL-{i} (URL ends with the key's prefix), with the Authorization header of TUS_AUTH when set;
// prints the wall time, the stored keys and the CPU Node used before the first request as JSON, as upload.mjs does.
// usage: node put.mjs URL FILE COUNT
import { createReadStream, statSync } from 'node:fs'
import { request } from 'node:http'
import { performance } from 'node:perf_hooks'
import { Transform } from 'node:stream'

const [url, file, count] = process.argv.slice(2)
const size = statSync(file).size
const headers = { 'Content-Length': size, ...(process.env.TUS_AUTH ? { Authorization: process.env.TUS_AUTH } : {}) }

const put = (target) => new Promise((resolve, reject) => {
  let sent = 0
  const counter = new Transform({ transform(chunk, _encoding, callback) { sent += chunk.length; callback(null, chunk) } })
  const req = request(target, { method: 'PUT', headers }, (res) => {
    const chunks = []
    res.on('data', (c) => chunks.push(c))
    res.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      if (res.statusCode !== 201 || sent !== size) reject(new Error(`PUT ${target}: ${res.statusCode} after ${sent} bytes: ${body}`))
      else resolve(JSON.parse(body).key)
    })
  })
  req.on('error', reject)
  createReadStream(file).pipe(counter).pipe(req)
})

const started = performance.now()
const beforeStart = process.cpuUsage() // Node's own start and the modules' loading, before the first request
const keys = await Promise.all(Array.from({ length: Number(count) }, (_, i) => put(`${url}-${i}`)))
const startCpu = (beforeStart.user + beforeStart.system) / 1e6
console.log(JSON.stringify({ seconds: (performance.now() - started) / 1000, keys, startCpu }))
