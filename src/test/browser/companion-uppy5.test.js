// Uppy 5 (uppy 5.2.4 from npm, in Companion mode) in Debian's Chromium against the broker's Companion API and the
// local RGW: the way in for pages that stay on Uppy 5. The page is the broker's /upload running pages/uppy5.js
// instead of its own script (lib.js, runOnUploadPage). Run by scripts/browser-tests.sh, which starts the packaged broker and passes: BROKER_URL,
// API_KEY (caller "browser"), OTHER_KEY (caller "other"), OUTSIDER_KEY (a caller that may not write the upload
// prefix), KEY_PREFIX (before the caller's own segment), MAX_SIZE (the broker's broker.upload.max-size, in bytes),
// CHROMIUM, WORK_DIR, and the local S3/STS server's env (LOCAL_S3STS_*).
import assert from 'node:assert/strict'
import { rm } from 'node:fs/promises'
import { after, before, describe, test } from 'node:test'

import {
  addFile, assertNothingStoredWithoutKey, assertUploaded, BROKER, BUCKET, env, fileOf, MiB, offlineFor3sAt20,
  openUploadPage, openUploads, PREFIX, runOnUploadPage, sha256OfObject, storedKeys, uploadAll, uppyInChromium,
} from './lib.js'

const browser = uppyInChromium()
let context
let page
let calls

async function openPage(apiKey) {
  ({ page, calls } = await openUploadPage(context, apiKey))
  return { page, calls }
}

describe('Uppy 5 in Companion mode', () => {
  before(async () => {
    context = await browser().newContext()
    await runOnUploadPage(context, 'uppy5', { css: 'node_modules/uppy/dist/uppy.min.css' })
  })
  after(async () => { await context.close() })

  test('uploads 3 MB in one POST form', async () => {
    const file = await fileOf(3_000_000, `simple-${Date.now()}.bin`)
    await openPage(env('API_KEY'))
    await addFile(page, file)
    await assertUploaded(page, file)
    const params = calls.find((c) => c.path === '/s3/params')
    assert.equal(params?.status, 200)
    const { method, url, fields } = await params.body
    assert.equal(method, 'POST')
    assert.equal(url, `${env('LOCAL_S3STS_ENDPOINT')}/${BUCKET}`)
    const key = fields.key
    assert.match(key, new RegExp(`^${PREFIX}browser/[0-9a-f]{32}-${file.name}$`))
    assert.equal(await sha256OfObject(key), file.sha256)
    assert.equal(calls.filter((c) => c.path === '/s3/multipart').length, 0)
    await page.close()
    await rm(file.path)
  })

  test('a simple upload over the max size is refused by S3 itself', async () => {
    const size = Number(env('MAX_SIZE')) + 1
    const file = await fileOf(size, `too-large-${Date.now()}.bin`)
    await openPage(env('API_KEY'))
    // One form whatever the size: the form's policy, which S3 enforces, is what holds the size here.
    await page.evaluate(() => window.uppy.getPlugin('AwsS3').setOptions({ shouldUseMultipart: () => false }))
    await addFile(page, file)
    const result = await uploadAll(page)
    assert.deepEqual(result.successful, [])
    assert.equal(result.failed.length, 1, JSON.stringify(result))
    const params = calls.filter((c) => c.path === '/s3/params')
    assert.ok(params.length >= 1 && params.every((c) => c.status === 200), JSON.stringify(params.map((c) => c.status)))
    for (const call of params) {
      const { fields } = await call.body
      assert.deepEqual(await storedKeys(fields.key), [], 'nothing stored')
    }
    assert.equal(calls.filter((c) => c.path === '/s3/multipart').length, 0)
    await page.close()
    await rm(file.path)
  })

  test('uploads 100 MiB in parts', async () => {
    const file = await fileOf(100 * MiB, `multipart-${Date.now()}.bin`)
    await openPage(env('API_KEY'))
    await addFile(page, file)
    const started = Date.now()
    await assertUploaded(page, file)
    const created = calls.filter((c) => c.method === 'POST' && c.path === '/s3/multipart')
    assert.equal(created.length, 1, JSON.stringify(calls.map((c) => `${c.method} ${c.path} ${c.status}`)))
    const { key, uploadId } = await created[0].body
    assert.match(key, new RegExp(`^${PREFIX}browser/[0-9a-f]{32}-${file.name}$`))
    const signed = calls.filter((c) => c.method === 'GET' && c.path.startsWith(`/s3/multipart/${encodeURIComponent(uploadId)}/`))
    assert.ok(signed.length >= 20, `${signed.length} parts signed`)
    assert.equal(calls.filter((c) => c.path.endsWith('/complete') && c.status === 200).length, 1)
    assert.equal(await sha256OfObject(key), file.sha256)
    assert.deepEqual((await openUploads()).filter((u) => u.key === key), [])
    console.log(`100 MiB through Uppy in ${Date.now() - started} ms`)
    await page.close()
    await rm(file.path)
  })

  test('resumes the same multipart upload after 3 s offline at 20%', async () => {
    const file = await fileOf(100 * MiB, `offline-${Date.now()}.bin`)
    await openPage(env('API_KEY'))
    await addFile(page, file)
    const uploading = uploadAll(page)
    const offlineAt = await offlineFor3sAt20(context, page)
    const result = await uploading
    assert.deepEqual(result.failed, [])
    assert.deepEqual(result.successful, [file.name])
    const created = calls.filter((c) => c.method === 'POST' && c.path === '/s3/multipart')
    assert.equal(created.length, 1, 'one multipart upload, resumed, not a second one')
    const { key, uploadId } = await created[0].body
    const completed = calls.filter((c) => c.path.endsWith('/complete'))
    assert.equal(completed.length, 1)
    assert.equal(completed[0].path, `/s3/multipart/${encodeURIComponent(uploadId)}/complete`)
    assert.equal(completed[0].status, 200)
    assert.equal(await sha256OfObject(key), file.sha256)
    assert.deepEqual(await openUploads(), [], 'nothing left open')
    console.log(`offline for 3 s at ${offlineAt}%`)
    await page.close()
    await rm(file.path)
  })

  test('stores nothing without a credential', () => assertNothingStoredWithoutKey(openPage))
})

describe('the API between callers', () => {
  const call = (key, method, path, body) => fetch(`${BROKER}${path}`, {
    method,
    headers: { Authorization: `Bearer ${key}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  })

  test("gives caller B 403 on caller A's upload for list, sign, complete and abort", async () => {
    const created = await call(env('API_KEY'), 'POST', '/s3/multipart', { filename: 'a.bin', type: 'application/octet-stream' })
    assert.equal(created.status, 200)
    const { key, uploadId } = await created.json()
    const q = `?key=${encodeURIComponent(key)}`
    const id = encodeURIComponent(uploadId)
    const other = env('OTHER_KEY')
    for (const [method, path, body] of [
      ['GET', `/s3/multipart/${id}${q}`],
      ['GET', `/s3/multipart/${id}/1${q}`],
      ['GET', `/s3/multipart/${id}/batch${q}&partNumbers=1,2`],
      ['POST', `/s3/multipart/${id}/complete${q}`, { parts: [{ PartNumber: 1, ETag: '"x"' }] }],
      ['DELETE', `/s3/multipart/${id}${q}`],
    ]) {
      const answer = await call(other, method, path, body)
      assert.equal(answer.status, 403, `${method} ${path}`)
      assert.equal((await answer.json()).error.code, 'AccessDenied')
    }
    assert.equal((await call(env('API_KEY'), 'GET', `/s3/multipart/${id}${q}`)).status, 200)
    assert.equal((await call(env('API_KEY'), 'DELETE', `/s3/multipart/${id}${q}`)).status, 200)
    assert.deepEqual((await openUploads()).filter((u) => u.uploadId === uploadId), [])
  })

  test('refuses a create outside the caller\'s write allow-list before any S3 call', async () => {
    const answer = await call(env('OUTSIDER_KEY'), 'POST', '/s3/multipart', { filename: 'x.bin', type: 'application/octet-stream' })
    assert.equal(answer.status, 403)
    assert.equal((await answer.json()).error.code, 'AccessDenied')
    assert.deepEqual(await openUploads(`${PREFIX}outsider/`), [])
  })
})
