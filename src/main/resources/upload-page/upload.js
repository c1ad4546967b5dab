// The page of GET /upload: Uppy's Dashboard with @uppy/aws-s3 6 in signRequest mode. Uppy asks the broker
// (POST /s3/sign) to sign each S3 request it makes; the key typed in goes into the Authorization header of those
// calls, never to S3. The bytes go straight to S3: a POST form for a file in one request, presigned part URLs.
import { AwsS3, Dashboard, Uppy } from './vendor/uppy.min.mjs'

const MiB = 1024 * 1024
const keyField = document.getElementById('api-key')
const status = document.getElementById('status')
// The broker's root: the page lives at <root>/upload/.
const broker = new URL('../', window.location.href).href.replace(/\/$/, '')

// Uppy's PresignableRequest in, its PresignedResponse out. The broker picks the key of a new upload (under the
// caller's prefix) and answers it as `key`, which Uppy keeps for the upload's later requests.
async function signRequest(request) {
  const key = keyField.value.trim()
  const answer = await fetch(`${broker}/s3/sign`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(key ? { Authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify(request),
  })
  const body = await answer.json().catch(() => null)
  if (!answer.ok) throw new Error(body?.error?.message ?? `the broker answered ${answer.status}`)
  return body
}

const uppy = new Uppy({ id: 'broker-upload' })
  .use(Dashboard, {
    inline: true,
    target: '#dashboard',
    showProgressDetails: true,
    proudlyDisplayPoweredByUppy: false,
    height: 420,
  })
  .use(AwsS3, {
    id: 'AwsS3',
    signRequest,
    // Parts (resumable, pausable) from 16 MiB; a smaller file is one POST form.
    shouldUseMultipart: (file) => file.size >= 16 * MiB,
  })

// Uppy 6 fails a file whose request the network drops; a multipart upload keeps its uploadId and the parts S3 holds,
// so retrying it goes on where it stopped. Done here when the browser is back online, as a retry button would.
uppy.on('back-online', () => {
  if (uppy.getFiles().some((file) => file.error)) uppy.retryAll()
})

uppy.on('upload-success', (file, response) => {
  status.textContent = `Uploaded ${file.name} to ${response.body?.key ?? response.uploadURL}`
})
uppy.on('upload-error', (file, error) => {
  status.textContent = `Upload of ${file?.name} failed: ${error?.message ?? error}`
})

// For the browser tests (src/test/browser), which add files and watch progress through it.
window.uppy = uppy
