// What the browser test files share: the environment scripts/browser-tests.sh passes, the local RGW seen with its
// admin keys (stored objects, their sha256, open multipart uploads), test files of random bytes, the bucket's CORS
// rule, Chromium, the test pages served on the broker's origin, and the steps and checks the Uppy tests share.
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream, readFileSync } from 'node:fs'
import { rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before } from 'node:test'
import { fileURLToPath } from 'node:url'

import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutBucketCorsCommand,
  S3Client,
} from '@aws-sdk/client-s3'
import { chromium } from 'playwright-core'

export const env = (name) => {
  const value = process.env[name]
  if (!value) throw new Error(`${name} is not set: run scripts/browser-tests.sh`)
  return value
}
export const BROKER = env('BROKER_URL')
export const BUCKET = env('LOCAL_S3STS_BUCKET')
export const PREFIX = env('KEY_PREFIX')
export const WORK = env('WORK_DIR')
export const MiB = 1024 * 1024
const here = fileURLToPath(new URL('.', import.meta.url))

export const admin = new S3Client({
  endpoint: env('LOCAL_S3STS_ENDPOINT'),
  region: process.env.AWS_REGION ?? 'us-east-1',
  forcePathStyle: true,
  credentials: {
    accessKeyId: env('LOCAL_S3STS_ADMIN_ACCESS_KEY'),
    secretAccessKey: env('LOCAL_S3STS_ADMIN_SECRET_KEY'),
  },
  // Ceph RGW does not know the SDK's default CRC32 checksums.
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
})

// Every object a test read back, deleted once the file's tests are done: the local gateway keeps objects in RAM, and
// a gateway reused run after run would fill up.
const readBack = new Set()
after(() => deleteObjects(readBack))

export async function deleteObjects(keys) {
  for (const key of keys) await admin.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }))
}

/** Reads an object back; a read that stalls fails after 20 s naming the object and how far it got. */
export async function sha256OfObject(key) {
  readBack.add(key)
  const abort = new AbortController()
  let timer
  const watch = () => { clearTimeout(timer); timer = setTimeout(() => abort.abort(), 20_000) }
  let read = 0
  try {
    watch()
    const object = await admin.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }), { abortSignal: abort.signal })
    const hash = createHash('sha256')
    for await (const chunk of object.Body) {
      hash.update(chunk)
      read += chunk.length
      watch()
    }
    return hash.digest('hex')
  } catch (e) {
    if (!abort.signal.aborted) throw e
    throw new Error(`GET s3://${BUCKET}/${key} stalled: ${read} bytes read, then nothing for 20 s`, { cause: e })
  } finally {
    clearTimeout(timer)
  }
}

async function sha256OfFile(path) {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk)
  return hash.digest('hex')
}

export async function openUploads(prefix = PREFIX) {
  const answer = await admin.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: prefix }))
  return (answer.Uploads ?? []).map((u) => ({ key: u.Key, uploadId: u.UploadId }))
}

/** Aborts what a run left open (one cut short included), so that "nothing left open" speaks of this run only. */
export async function abortOpenUploads(prefix = PREFIX) {
  for (const open of await openUploads(prefix)) {
    await admin.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: open.key, UploadId: open.uploadId }))
  }
}

export async function storedKeys(prefix = PREFIX) {
  const keys = []
  let token
  do {
    const page = await admin.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix, ContinuationToken: token }))
    keys.push(...(page.Contents ?? []).map((o) => o.Key))
    token = page.NextContinuationToken
  } while (token)
  return keys
}

export async function fileOf(size, name) {
  const path = join(WORK, name)
  // Random bytes in 1 MiB blocks: nothing compresses or repeats.
  const blocks = []
  for (let left = size; left > 0; left -= MiB) blocks.push(randomBytes(Math.min(MiB, left)))
  await writeFile(path, Buffer.concat(blocks))
  return { path, name, size, sha256: await sha256OfFile(path) }
}

/**
 * The bucket rule every way in needs (README, "Web applications"): the page's origin may send what Uppy sends to
 * S3 (PUT parts and simple uploads, POST forms, create and complete; GET to list parts; DELETE to abort) and read
 * the ETag of each part.
 */
export async function allowBrowserCors() {
  await admin.send(new PutBucketCorsCommand({
    Bucket: BUCKET,
    CORSConfiguration: {
      CORSRules: [{
        AllowedOrigins: [BROKER],
        AllowedMethods: ['GET', 'PUT', 'POST', 'DELETE'],
        AllowedHeaders: ['*'],
        ExposeHeaders: ['ETag'],
        MaxAgeSeconds: 3000,
      }],
    },
  }))
  // RGW may take a moment to apply the rule: wait until a preflight like the browser's passes.
  const probe = `${env('LOCAL_S3STS_ENDPOINT')}/${BUCKET}/${PREFIX}cors-probe`
  for (let i = 0; ; i++) {
    const answer = await fetch(probe, {
      method: 'OPTIONS',
      headers: { Origin: BROKER, 'Access-Control-Request-Method': 'PUT', 'Access-Control-Request-Headers': 'content-type' },
    })
    if (answer.headers.get('access-control-allow-origin')) break
    if (i === 100) throw new Error(`RGW does not apply the bucket's CORS rule: ${answer.status}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/**
 * The hooks of a file of Uppy tests in Chromium: before them, no upload of an earlier run open, the bucket's CORS rule
 * (the parts go from the page straight to RGW) and Chromium; after them, whatever failed, Chromium closed and no upload
 * left open for the next run. Answers a function that gives the browser.
 */
export function uppyInChromium() {
  let browser
  before(async () => {
    await abortOpenUploads()
    await allowBrowserCors()
    browser = await launchChromium()
  })
  after(async () => {
    await browser?.close()
    await abortOpenUploads()
  })
  return () => browser
}

export function launchChromium() {
  return chromium.launch({
    executablePath: env('CHROMIUM'),
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  })
}

/**
 * Makes the broker's page /upload run a test page's script (pages/NAME.js) instead of its own, in this browser
 * context only, with Uppy 5.2.4 from npm at /upload/uppy5.min.mjs. The document stays the broker's own (its HTML,
 * its CSP, its origin and address space): a page fulfilled by Playwright has no address space, and Chromium then
 * refuses its requests to loopback (RGW and the broker here) as Local Network Access.
 */
export async function runOnUploadPage(context, name, { css } = {}) {
  await context.route(`${BROKER}/upload/upload.js`, (route) => route.fulfill(script(join(here, 'pages', `${name}.js`))))
  await serveUppy5(context)
  if (css) {
    await context.route(`${BROKER}/upload/vendor/uppy.min.css`, (route) => route.fulfill({
      status: 200, contentType: 'text/css', body: readFileSync(join(here, css)),
    }))
  }
}

/** Adds a file through the Dashboard's file input, as a person choosing it would. */
export async function addFile(page, file) {
  await page.setInputFiles('input.uppy-Dashboard-input[type=file]:not([webkitdirectory])', file.path)
  await page.waitForFunction((n) => window.uppy.getFiles().length === n, 1)
}

/** Uploads what the page's window.uppy holds; answers the names of the files that succeeded and failed. */
export function uploadAll(page) {
  return page.evaluate(async () => {
    const result = await window.uppy.upload()
    return {
      successful: (result?.successful ?? []).map((f) => f.name),
      failed: (result?.failed ?? []).map((f) => ({ name: f.name, error: String(f.error) })),
    }
  })
}

/** Uploads what the page's window.uppy holds; asserts that `file`, and nothing else, was uploaded. */
export async function assertUploaded(page, file) {
  const result = await uploadAll(page)
  assert.deepEqual(result.failed, [])
  assert.deepEqual(result.successful, [file.name])
}

const script = (path) => ({ status: 200, contentType: 'text/javascript', body: readFileSync(path) })

/** npm's uppy 5.2.4 (Uppy 5 with all its plugins, Tus included) at <broker>/upload/uppy5.min.mjs, in this context. */
export async function serveUppy5(context) {
  const uppy5 = join(here, 'node_modules/uppy/dist/uppy.min.mjs')
  await context.route(`${BROKER}/upload/uppy5.min.mjs`, (route) => route.fulfill(script(uppy5)))
}

function jsonOf(request) {
  try {
    return request.postDataJSON()
  } catch {
    return null
  }
}

/** Watches a page's calls to the broker's routes under `prefix`; the bodies are read later (await call.body). */
export function watchCalls(page, prefix = '/s3/') {
  const calls = []
  page.on('response', (response) => {
    const url = new URL(response.url())
    if (url.origin === BROKER && url.pathname.startsWith(prefix)) {
      calls.push({
        method: response.request().method(),
        path: url.pathname,
        search: url.search,
        status: response.status(),
        request: jsonOf(response.request()),
        body: response.json().catch(() => null),
      })
    }
  })
  page.on('pageerror', (error) => console.error(`page error: ${error}`))
  page.on('console', (message) => { if (message.type() === 'error') console.error(`page console: ${message.text()}`) })
  return calls
}

/**
 * Opens the broker's page /upload in `context` with `apiKey` typed in, once its window.uppy is there; `beforeLoad`
 * runs in the page before its own script. Answers the page and its watched calls to the broker.
 */
export async function openUploadPage(context, apiKey, { beforeLoad } = {}) {
  const page = await context.newPage()
  const calls = watchCalls(page)
  if (beforeLoad) await page.addInitScript(beforeLoad)
  await page.goto(`${BROKER}/upload/`)
  await page.waitForFunction(() => typeof window.uppy?.getFiles === 'function', null, { timeout: 10_000 })
  await page.fill('#api-key', apiKey)
  return { page, calls }
}

/**
 * Takes `context` offline for 3 s once the first file of the page's window[`uppy`] is 20% up; answers the percentage
 * it was at when the network went.
 */
export async function offlineFor3sAt20(context, page, uppy = 'uppy') {
  await page.waitForFunction((name) => (window[name].getFiles()[0]?.progress?.percentage ?? 0) >= 20, uppy, { polling: 20 })
  await context.setOffline(true)
  const offlineAt = await page.evaluate((name) => window[name].getFiles()[0].progress.percentage, uppy)
  await new Promise((resolve) => setTimeout(resolve, 3000))
  await context.setOffline(false)
  return offlineAt
}

/**
 * Uploads a simple and a multipart-sized file through pages that `open(apiKey)` opens with no key typed in: each
 * fails, every call to the broker is answered 401, and nothing is stored or left open.
 */
export async function assertNothingStoredWithoutKey(open) {
  const before = await storedKeys()
  for (const file of [await fileOf(3_000_000, `nokey-${Date.now()}.bin`), await fileOf(20 * MiB, `nokey-big-${Date.now()}.bin`)]) {
    const { page, calls } = await open('')
    await addFile(page, file)
    const result = await uploadAll(page)
    assert.deepEqual(result.successful, [])
    assert.equal(result.failed.length, 1)
    assert.ok(calls.length > 0 && calls.every((c) => c.status === 401),
      JSON.stringify(calls.map((c) => `${c.method} ${c.path} ${JSON.stringify(c.request)} ${c.status}`)))
    await page.close()
    await rm(file.path)
  }
  assert.deepEqual(await storedKeys(), before)
  assert.deepEqual(await openUploads(), [])
}
