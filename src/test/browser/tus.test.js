// Resumable uploads (tus 1.0.0 at /files/) against two brokers of one configuration and the local RGW: tus-js-client
// 4.3.1 in Node, cut off at 30% and resumed on the same broker and on the second one; Uppy's Tus plugin (the
// npm uppy 5.2.4 bundle's @uppy/tus) in Debian's Chromium through 3 s offline. Run by scripts/browser-tests.sh, which
// passes BROKER_URL, SECOND_BROKER_URL, their MANAGEMENT_URL and SECOND_MANAGEMENT_URL, API_KEY (caller "browser"),
// TUS_PREFIX (before the caller's segment), CHROMIUM, WORK_DIR and the local S3/STS server's env (LOCAL_S3STS_*).
// Every object is checked byte for byte (sha256 read from S3), and nothing may stay behind: no open multipart upload,
// no state object.
import assert from 'node:assert/strict'
import { createReadStream } from 'node:fs'
import { rm } from 'node:fs/promises'
import { after, before, describe, test } from 'node:test'

import * as tus from 'tus-js-client'

import {
  abortOpenUploads, BROKER, deleteObjects, env, fileOf, launchChromium, MiB, offlineFor3sAt20, openUploads,
  serveUppy5, sha256OfObject, storedKeys,
} from './lib.js'

const SECOND = env('SECOND_BROKER_URL')
// Each broker's metrics are on its management port.
const MANAGEMENT = { [BROKER]: env('MANAGEMENT_URL'), [SECOND]: env('SECOND_MANAGEMENT_URL') }
const PREFIX = `${env('TUS_PREFIX')}browser/`
const headers = { Authorization: `Bearer ${env('API_KEY')}` }

const stateObjects = () => storedKeys(`${PREFIX}.tus/`)

/** The object of an upload URL: the caller's prefix and the id's last field. */
const keyOf = (url) => PREFIX + new URL(url).pathname.split('/').pop().split('.').slice(3).join('.')

/** Until no upload runs on the broker: a cut-off PATCH has then kept what it received. */
async function settled (broker) {
  for (let i = 0; i < 300; i++) {
    const metrics = await (await fetch(`${MANAGEMENT[broker]}/q/metrics`)).text()
    const line = metrics.split('\n').find((l) => l.startsWith('broker_uploads_in_flight'))
    if (line && Number(line.split(' ').pop()) === 0) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`an upload still runs on ${broker}`)
}

async function offsetOf (url) {
  const answer = await fetch(url, { method: 'HEAD', headers: { ...headers, 'Tus-Resumable': '1.0.0' } })
  assert.equal(answer.status, 200)
  return Number(answer.headers.get('upload-offset'))
}

/** Starts an upload; answers it, a promise of its end, and the Upload-Offset of every PATCH it sent. */
function start (file, options) {
  const patches = []
  let upload
  const done = new Promise((resolve, reject) => {
    upload = new tus.Upload(createReadStream(file.path), {
      headers,
      uploadSize: file.size,
      metadata: { filename: file.name, filetype: 'application/octet-stream' },
      retryDelays: [],
      onBeforeRequest: (req) => {
        if (req.getMethod() === 'PATCH') patches.push(Number(req.getHeader('Upload-Offset')))
      },
      onSuccess: resolve,
      onError: reject,
      ...options,
    })
    upload.start()
  })
  return { upload, done, patches }
}

/** Uploads until 30% is sent, then cuts the connection; answers the upload's URL and the bytes sent. */
async function cutAt30 (file) {
  let sent = 0
  let cut
  const cutOff = new Promise((resolve) => { cut = resolve })
  const first = start(file, {
    endpoint: `${BROKER}/files/`,
    onProgress: (bytes) => {
      sent = bytes
      if (bytes >= 0.3 * file.size) cut()
    },
  })
  await Promise.race([cutOff, first.done])
  await first.upload.abort()
  await settled(BROKER)
  return { url: first.upload.url, sent }
}

// What an earlier run left (one killed midway), before, so that "nothing left" speaks of this run only; and after.
before(async () => {
  await abortOpenUploads(PREFIX)
  await deleteObjects(await stateObjects())
})
after(() => abortOpenUploads(PREFIX))

describe('tus-js-client 4.3.1 in Node, 100 MiB cut at 30%', () => {
  for (const [where, broker] of [['the same broker', () => BROKER], ['a second broker', () => SECOND]]) {
    test(`resumes on ${where} and stores the file byte for byte`, async () => {
      const file = await fileOf(100 * MiB, `tus-node-${Date.now()}.bin`)
      const started = Date.now()
      const { url, sent } = await cutAt30(file)
      const offset = await offsetOf(url)
      // What the broker received was kept: more than its one full 16 MiB part, never more than was sent.
      assert.ok(offset > 20 * MiB && offset <= sent, `offset ${offset} after ${sent} sent`)
      const resumedUrl = url.replace(BROKER, broker())
      const resumed = start(file, { uploadUrl: resumedUrl })
      await resumed.done
      assert.equal(resumed.patches[0], offset, 'the resumed upload went on from the offset HEAD gave')
      assert.equal(await sha256OfObject(keyOf(url)), file.sha256)
      assert.deepEqual(await openUploads(PREFIX), [], 'no multipart upload left open')
      assert.deepEqual(await stateObjects(), [], 'no state left')
      console.log(`100 MiB cut at ${(sent / MiB).toFixed(1)} MiB, ${(offset / MiB).toFixed(1)} MiB kept, resumed on ` +
        `${where}: ${Date.now() - started} ms`)
      await rm(file.path)
    })
  }
})

describe('Uppy with Tus in Chromium', () => {
  let browser
  before(async () => {
    browser = await launchChromium()
  })
  after(async () => { await browser?.close() })

  test('goes on after 3 s offline at 20% and stores the file byte for byte', async () => {
    const file = await fileOf(40 * MiB, `tus-uppy-${Date.now()}.bin`)
    const context = await browser.newContext()
    // Uppy 5's bundle, which has the Tus plugin (the page's own Uppy 6 bundle has only what the page uses).
    await serveUppy5(context)
    const page = await context.newPage()
    const calls = []
    const failed = []
    page.on('request', (request) => {
      if (new URL(request.url()).pathname.startsWith('/files')) {
        calls.push({ method: request.method(), offset: request.headers()['upload-offset'] })
      }
    })
    page.on('requestfailed', (request) => {
      if (new URL(request.url()).pathname.startsWith('/files')) failed.push(request.method())
    })
    page.on('pageerror', (error) => console.error(`page error: ${error}`))
    // The broker's page, for its origin; the Tus plugin talks to /files/ on that origin.
    await page.goto(`${BROKER}/upload/`)
    await page.evaluate(async (authorization) => {
      const { Uppy, Tus } = await import('/upload/uppy5.min.mjs')
      window.tusUppy = new Uppy({ id: 'tus' }).use(Tus, {
        endpoint: `${location.origin}/files/`,
        headers: { Authorization: authorization },
        // PATCHes of 4 MiB: the gap falls between two of them (Chromium's offline mode fails new requests), and
        // each one's bytes short of a part are kept by the broker and sent first by the next.
        chunkSize: 4 * 1024 * 1024,
        retryDelays: [0, 1000, 3000, 5000],
      })
      const input = document.createElement('input')
      input.type = 'file'
      input.id = 'tus-file'
      document.body.append(input)
    }, headers.Authorization)
    await page.setInputFiles('#tus-file', file.path)
    await page.evaluate(() => {
      const data = document.getElementById('tus-file').files[0]
      window.tusUppy.addFile({ name: data.name, type: data.type, data })
      window.tusResult = window.tusUppy.upload()
    })
    await offlineFor3sAt20(context, page, 'tusUppy')
    const result = await page.evaluate(async () => {
      const done = await window.tusResult
      return {
        successful: (done?.successful ?? []).map((f) => ({ name: f.name, url: f.tus?.uploadUrl ?? f.uploadURL })),
        failed: (done?.failed ?? []).map((f) => String(f.error)),
      }
    })
    assert.deepEqual(result.failed, [])
    assert.equal(result.successful.length, 1)
    assert.equal(calls.filter((c) => c.method === 'POST').length, 1, 'one upload, resumed, not a second one')
    assert.ok(failed.length >= 1, 'the offline gap failed a request of the upload')
    assert.ok(calls.some((c) => c.method === 'HEAD'), 'the upload asked for its offset and went on from there')
    assert.equal(await sha256OfObject(keyOf(new URL(result.successful[0].url, BROKER).href)), file.sha256)
    assert.deepEqual(await openUploads(PREFIX), [], 'no multipart upload left open')
    assert.deepEqual(await stateObjects(), [], 'no state left')
    await context.close()
    await rm(file.path)
  })
})
