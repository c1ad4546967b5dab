// Uppy 6 (the page /upload's bundle: @uppy/core and @uppy/aws-s3 6.3.1) in Debian's Chromium against the broker and
// the local RGW, both authenticated ways: signRequest (POST /s3/sign, the page /upload itself) and getCredentials
// (GET /s3/sts, pages/credentials.js). Every upload is checked byte for byte (sha256 of the object read from RGW).
// Run by scripts/browser-tests.sh (the environment is described in companion-uppy5.test.js).
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'

import {
  addFile, assertNothingStoredWithoutKey, assertUploaded, BROKER, BUCKET, env, fileOf, MiB, offlineFor3sAt20,
  openUploadPage, openUploads, PREFIX, runOnUploadPage, sha256OfObject, storedKeys, uploadAll, uppyInChromium,
  watchCalls,
} from './lib.js'

const S3 = env('LOCAL_S3STS_ENDPOINT')
const ownKey = (caller, name) => new RegExp(`^${PREFIX}${caller}/.*${name.replace(/\./g, '\\.')}$`)

const browser = uppyInChromium()
let context
let page
let calls

/** Opens the page /upload with the key typed in; records what its Content-Security-Policy refused. */
async function openPage(apiKey) {
  ({ page, calls } = await openUploadPage(context, apiKey, {
    beforeLoad: () => {
      window.refused = []
      document.addEventListener('securitypolicyviolation', (e) => window.refused.push(`${e.violatedDirective} ${e.blockedURI}`))
    },
  }))
  return { page, calls }
}

/** The page's POST /s3/sign calls, each with the PresignableRequest it sent. */
const signed = (filter = () => true) => calls.filter((c) => c.path === '/s3/sign' && filter(c.request ?? {}))
const described = () => JSON.stringify(calls.map((c) => `${c.method} ${c.path} ${JSON.stringify(c.request)} ${c.status}`))

describe('the page /upload: Uppy 6 through signRequest', () => {
  before(async () => { context = await browser().newContext() })
  after(async () => { await context.close() })

  test('serves the bundle the build script makes, under its CSP', async () => {
    const here = fileURLToPath(new URL('.', import.meta.url))
    for (const name of ['uppy.min.mjs', 'uppy.min.css']) {
      const served = Buffer.from(await (await fetch(`${BROKER}/upload/vendor/${name}`)).arrayBuffer())
      assert.ok(served.equals(readFileSync(`${here}../../main/resources/upload-page/vendor/${name}`)), name)
    }
    const answer = await fetch(`${BROKER}/upload/`)
    assert.match(answer.headers.get('content-security-policy'), /script-src 'self';/)
    await openPage(env('API_KEY'))
    assert.deepEqual(await page.evaluate(() => window.refused), [])
    await page.close()
  })

  test('uploads 3 MB as one POST form the broker signs', async () => {
    const file = await fileOf(3_000_000, `simple-${Date.now()}.bin`)
    await openPage(env('API_KEY'))
    await addFile(page, file)
    await assertUploaded(page, file)
    const puts = signed((r) => r.method === 'PUT')
    assert.equal(puts.length, 1, described())
    assert.equal(puts[0].status, 200)
    const { url, fields } = await puts[0].body
    assert.equal(url, `${S3}/${BUCKET}`)
    assert.match(fields.key, ownKey('browser', file.name))
    assert.equal(await sha256OfObject(fields.key), file.sha256)
    assert.equal(signed((r) => r.method === 'POST').length, 0, 'no multipart upload')
    assert.deepEqual(await page.evaluate(() => window.refused), [])
    await page.close()
    await rm(file.path)
  })

  test('a simple upload over the max size is refused by S3 itself', async () => {
    const file = await fileOf(Number(env('MAX_SIZE')) + 1, `too-large-${Date.now()}.bin`)
    await openPage(env('API_KEY'))
    // One form whatever the size: the form's policy, which S3 enforces, is what holds the size here.
    await page.evaluate(() => window.uppy.getPlugin('AwsS3').setOptions({ shouldUseMultipart: false }))
    await addFile(page, file)
    const result = await uploadAll(page)
    assert.deepEqual(result.successful, [])
    assert.equal(result.failed.length, 1, JSON.stringify(result))
    const puts = signed((r) => r.method === 'PUT')
    assert.ok(puts.length >= 1 && puts.every((c) => c.status === 200), described())
    for (const call of puts) {
      const { fields } = await call.body
      assert.ok(fields?.key, 'a POST form, whose policy holds the size')
      assert.deepEqual(await storedKeys(fields.key), [], 'nothing stored')
    }
    assert.equal(signed((r) => r.method === 'POST').length, 0, 'no multipart upload')
    await page.close()
    await rm(file.path)
  })

  test('uploads 100 MiB in parts', async () => {
    const file = await fileOf(100 * MiB, `multipart-${Date.now()}.bin`)
    await openPage(env('API_KEY'))
    await addFile(page, file)
    const started = Date.now()
    await assertUploaded(page, file)
    const created = signed((r) => r.method === 'POST' && !r.uploadId)
    assert.equal(created.length, 1, described())
    const { key } = await created[0].body
    assert.match(key, ownKey('browser', file.name))
    const parts = signed((r) => r.method === 'PUT' && r.partNumber)
    assert.equal(parts.length, 20, described())
    assert.ok(parts.every((c) => c.status === 200 && c.request.key === key))
    const uploadId = parts[0].request.uploadId
    const completed = signed((r) => r.method === 'POST' && r.uploadId)
    assert.deepEqual(completed.map((c) => [c.status, c.request.key, c.request.uploadId]), [[200, key, uploadId]])
    assert.equal(await sha256OfObject(key), file.sha256)
    assert.deepEqual((await openUploads()).filter((u) => u.key === key), [])
    console.log(`100 MiB through Uppy 6 in ${Date.now() - started} ms`)
    await page.close()
    await rm(file.path)
  })

  // Uppy 6.3 either waits for the network itself (a request it starts while offline) or fails the file (a request the
  // drop cuts), and the page retries it once back online; either way the same multipart upload must go on. Without
  // the page's retry a failed file never ends: the time limit fails the test.
  test('resumes the same multipart upload after 3 s offline at 20%', { timeout: 180_000 }, async () => {
    const file = await fileOf(100 * MiB, `offline-${Date.now()}.bin`)
    await openPage(env('API_KEY'))
    // Uploads at 20 MiB/s, so that the 20% mark falls inside the upload whatever the machine's speed.
    const cdp = await context.newCDPSession(page)
    await cdp.send('Network.enable')
    await cdp.send('Network.emulateNetworkConditions',
      { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 20 * MiB })
    await addFile(page, file)
    const finished = page.evaluate(() => new Promise((resolve) => {
      window.uppy.on('upload-success', (f) => resolve({ successful: [f.name] }))
    }))
    const first = uploadAll(page)
    const offlineAt = await offlineFor3sAt20(context, page)
    assert.deepEqual(await finished, { successful: [file.name] })
    const failedOffline = (await first).failed.length > 0
    const created = signed((r) => r.method === 'POST' && !r.uploadId)
    assert.equal(created.length, 1, 'one multipart upload, resumed, not a second one')
    const { key } = await created[0].body
    // A failed file is retried from the parts S3 holds (ListParts); one that waited needs none.
    const listed = signed((r) => r.method === 'GET')
    if (failedOffline) assert.ok(listed.length >= 1, described())
    assert.ok(listed.every((c) => c.status === 200 && c.request.key === key), described())
    const completed = signed((r) => r.method === 'POST' && r.uploadId)
    assert.equal(completed.length, 1)
    assert.equal(completed[0].status, 200)
    assert.equal(await sha256OfObject(key), file.sha256)
    assert.deepEqual(await openUploads(), [], 'nothing left open')
    console.log(`offline for 3 s at ${offlineAt}%, ${failedOffline ? 'failed, retried from the parts S3 held' : 'waited by Uppy'}`)
    await page.close()
    await rm(file.path)
  })

  test('stores nothing without a credential', () => assertNothingStoredWithoutKey(openPage))
})

describe('Uppy 6 through getCredentials', () => {
  before(async () => {
    context = await browser().newContext()
    await runOnUploadPage(context, 'credentials')
  })
  after(async () => { await context.close() })

  test('uploads 3 MB signed in the page with the scoped credentials of GET /s3/sts', async () => {
    const file = await fileOf(3_000_000, `credentials-${Date.now()}.bin`)
    page = await context.newPage()
    calls = watchCalls(page)
    await page.goto(`${BROKER}/upload/`)
    await page.waitForFunction(() => typeof window.start === 'function')
    await page.evaluate(({ key, s3 }) => window.start(key, s3), { key: env('API_KEY'), s3: `${S3}/${BUCKET}` })
    const sts = await page.evaluate(() => window.sts)
    assert.equal(sts.bucket, BUCKET)
    assert.equal(sts.keyPrefix, `${PREFIX}browser/`)
    await addFile(page, file)
    const result = await page.evaluate(async () => {
      const done = await window.uppy.upload()
      return { successful: done.successful.map((f) => f.response.body.key), failed: done.failed.map((f) => String(f.error)) }
    })
    assert.deepEqual(result.failed, [])
    assert.equal(result.successful.length, 1)
    const [key] = result.successful
    assert.match(key, ownKey('browser', file.name))
    assert.equal(await sha256OfObject(key), file.sha256)
    const sts200 = calls.filter((c) => c.path === '/s3/sts')
    assert.ok(sts200.length >= 1 && sts200.every((c) => c.status === 200), described())
    await page.close()
    await rm(file.path)
  })
})

describe('POST /s3/sign between callers', () => {
  const sign = (key, request) => fetch(`${BROKER}/s3/sign`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(request),
  })

  test("refuses caller B every request on caller A's upload, and gives B a key of its own for a new one", async () => {
    const a = env('API_KEY')
    const b = env('OTHER_KEY')
    const create = await sign(a, { method: 'POST', key: 'a.bin' })
    assert.equal(create.status, 200)
    const { url, key } = await create.json()
    assert.match(key, ownKey('browser', 'a.bin'))
    const s3Answer = await fetch(url, { method: 'POST' })
    assert.equal(s3Answer.status, 200, await s3Answer.clone().text())
    const uploadId = (await s3Answer.text()).match(/<UploadId>([^<]+)<\/UploadId>/)[1]
    for (const request of [
      { method: 'PUT', key, uploadId, partNumber: 1 },
      { method: 'GET', key, uploadId },
      { method: 'POST', key, uploadId },
      { method: 'DELETE', key, uploadId },
      { method: 'DELETE', key },
    ]) {
      const answer = await sign(b, request)
      assert.equal(answer.status, 403, JSON.stringify(request))
      assert.equal((await answer.json()).success, false)
    }
    // A new upload naming A's key is B's own key: the broker chooses it under B's prefix.
    for (const request of [{ method: 'PUT', key, contentType: 'application/octet-stream' }, { method: 'POST', key }]) {
      const answer = await sign(b, request)
      assert.equal(answer.status, 200, JSON.stringify(request))
      const body = await answer.json()
      assert.match(body.fields?.key ?? body.key, new RegExp(`^${PREFIX}other/`), JSON.stringify(request))
    }
    const listed = await sign(a, { method: 'GET', key, uploadId })
    assert.equal(listed.status, 200)
    const abort = await sign(a, { method: 'DELETE', key, uploadId })
    assert.equal(abort.status, 200)
    assert.equal((await fetch((await abort.json()).url, { method: 'DELETE' })).status, 204)
    assert.deepEqual((await openUploads()).filter((u) => u.uploadId === uploadId), [])
  })
})
