// Run by hand, not in CI: a 20 MiB multipart upload of Uppy 6 through getCredentials (pages/credentials.js), which
// signs its part URLs in the page. It passes against AWS S3 and fails against Ceph RGW 16, which answers the CORS
// preflight of those part URLs with 403 (it authenticates a preflight that carries a presigned query; S3 never does).
//   BROWSER_TESTS=src/test/browser/manual/credentials-multipart.test.js scripts/browser-tests.sh
import assert from 'node:assert/strict'
import { rm } from 'node:fs/promises'
import { after, before, test } from 'node:test'

import {
  addFile, allowBrowserCors, BROKER, BUCKET, env, fileOf, launchChromium, MiB, runOnUploadPage, sha256OfObject,
  watchCalls,
} from '../lib.js'

let browser
before(async () => {
  await allowBrowserCors()
  browser = await launchChromium()
})
after(async () => { await browser?.close() })

test('uploads 20 MiB in parts signed in the page with the credentials of GET /s3/sts', async () => {
  const context = await browser.newContext()
  await runOnUploadPage(context, 'credentials')
  const page = await context.newPage()
  watchCalls(page)
  const refused = []
  page.on('requestfailed', (request) => refused.push(`${request.method()} ${request.url().split('?')[0]}: ${request.failure()?.errorText}`))
  const file = await fileOf(20 * MiB, `credentials-multipart-${Date.now()}.bin`)
  await page.goto(`${BROKER}/upload/`)
  await page.waitForFunction(() => typeof window.start === 'function')
  await page.evaluate(({ key, s3 }) => window.start(key, s3), { key: env('API_KEY'), s3: `${env('LOCAL_S3STS_ENDPOINT')}/${BUCKET}` })
  await addFile(page, file)
  const result = await page.evaluate(async () => {
    const done = await window.uppy.upload()
    return { successful: done.successful.map((f) => f.response.body.key), failed: done.failed.map((f) => String(f.error)) }
  })
  console.log(`requests the browser could not make: ${JSON.stringify(refused)}`)
  assert.deepEqual(result.failed, [])
  assert.equal(await sha256OfObject(result.successful[0]), file.sha256)
  await context.close()
  await rm(file.path)
})
