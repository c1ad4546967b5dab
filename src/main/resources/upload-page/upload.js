// The page of GET /upload: Uppy's Dashboard with @uppy/aws-s3 in Companion mode, the broker as Companion
// (its /s3 API). The key typed in goes into the Authorization header of the calls to the broker, never to S3:
// the parts go to presigned URLs.
import { AwsS3, Dashboard, Uppy } from './vendor/uppy.min.mjs'

const MiB = 1024 * 1024
const keyField = document.getElementById('api-key')
const status = document.getElementById('status')

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
    // The broker's root: the page lives at <root>/upload/.
    endpoint: new URL('../', window.location.href).href.replace(/\/$/, ''),
    headers: {},
    // Parts (resumable, pausable) from 16 MiB; a smaller file is one presigned PUT.
    shouldUseMultipart: (file) => file.size >= 16 * MiB,
  })

function useKey() {
  const key = keyField.value.trim()
  uppy.getPlugin('AwsS3').setOptions({ headers: key ? { Authorization: `Bearer ${key}` } : {} })
}
keyField.addEventListener('input', useKey)
useKey()

uppy.on('upload-success', (file, response) => {
  status.textContent = `Uploaded ${file.name} to ${response.body?.key ?? response.uploadURL}`
})
uppy.on('upload-error', (file, error) => {
  status.textContent = `Upload of ${file?.name} failed: ${error?.message ?? error}`
})

// For the browser tests (src/test/browser), which add files and watch progress through it.
window.uppy = uppy
