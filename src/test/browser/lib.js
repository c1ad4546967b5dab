// What the browser test files share: the environment scripts/browser-tests.sh passes, the local RGW seen with its
// admin keys (stored objects, their sha256, open multipart uploads), test files of random bytes, the bucket's CORS
// rule, Chromium, and the test pages served on the broker's origin.
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream, readFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

import {
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

export async function sha256OfObject(key) {
  const object = await admin.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))
  const hash = createHash('sha256')
  for await (const chunk of object.Body) hash.update(chunk)
  return hash.digest('hex')
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

export function launchChromium() {
  return chromium.launch({
    executablePath: env('CHROMIUM'),
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  })
}

/**
 * Serves the test pages (pages/) and Uppy 5.2.4 from npm under <broker>/test-pages/ in this browser context only:
 * the broker's own origin, as a page of one's own on the broker's host would be, with no CORS of the broker's needed.
 */
export async function serveTestPages(context) {
  const types = { html: 'text/html', js: 'text/javascript', mjs: 'text/javascript', css: 'text/css' }
  const files = {
    'uppy.min.mjs': join(here, 'node_modules/uppy/dist/uppy.min.mjs'),
    'uppy.min.css': join(here, 'node_modules/uppy/dist/uppy.min.css'),
  }
  await context.route(`${BROKER}/test-pages/**`, (route) => {
    const name = new URL(route.request().url()).pathname.slice('/test-pages/'.length)
    const path = files[name] ?? join(here, 'pages', name.replace(/[^a-z0-9.-]/gi, ''))
    try {
      route.fulfill({ status: 200, contentType: types[name.split('.').pop()], body: readFileSync(path) })
    } catch {
      route.fulfill({ status: 404, body: 'no such test page' })
    }
  })
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
