// Uppy 5 in Companion mode, the page the browser tests serve on the broker's origin (lib.js): Uppy's Dashboard with
// @uppy/aws-s3 5.x, the broker as Companion (its /s3 API). The key typed in goes into the Authorization header of
// the calls to the broker, never to S3: the bytes go to S3 as a signed POST form or to presigned part URLs.
import { AwsS3, Dashboard, Uppy } from './uppy5.min.mjs'

const MiB = 1024 * 1024
const keyField = document.getElementById('api-key')
const status = document.getElementById('status')

// A file in one request goes as an S3 POST form (the broker's policy holds its key, type and size). S3 answers it
// with ETag and Location headers, Ceph RGW 16 with neither, and Uppy 5's own sender then waits for the ETag
// forever: here a POST is done on any 2xx. Parts (PUT) go through Uppy's own sender.
function uploadPartBytes(options) {
  const { signature: { url, method = 'PUT' }, body, size, onProgress, onComplete, signal } = options
  if (method.toUpperCase() !== 'POST') return AwsS3.uploadPartBytes(options)
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open(method, url, true)
    xhr.responseType = 'text'
    const abort = () => xhr.abort()
    signal?.addEventListener('abort', abort)
    const failed = (message) => {
      signal?.removeEventListener('abort', abort)
      const error = new Error(message)
      error.source = xhr
      reject(error)
    }
    xhr.upload.addEventListener('progress', (event) => onProgress?.(event))
    xhr.addEventListener('abort', () => failed('Aborted'))
    xhr.addEventListener('error', () => failed('Upload failed'))
    xhr.addEventListener('load', () => {
      if (xhr.status < 200 || xhr.status >= 300) {
        failed(`S3 answered ${xhr.status}`)
        return
      }
      signal?.removeEventListener('abort', abort)
      onProgress?.({ loaded: size, lengthComputable: true })
      // The headers CORS exposes, read without asking for others (which the browser refuses, noisily).
      const headers = Object.fromEntries(xhr.getAllResponseHeaders().trim().split(/[\r\n]+/)
        .filter((line) => line.includes(': ')).map((line) => {
          const at = line.indexOf(': ')
          return [line.slice(0, at).toLowerCase(), line.slice(at + 2)]
        }))
      const etag = headers.etag ?? ''
      onComplete?.(etag)
      resolve({ ETag: etag, location: headers.location })
    })
    xhr.send(body)
  })
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
    // The broker's root: the page lives at <root>/upload/.
    endpoint: new URL('../', window.location.href).href.replace(/\/$/, ''),
    headers: {},
    // Parts (resumable, pausable) from 16 MiB; a smaller file is one POST form.
    shouldUseMultipart: (file) => file.size >= 16 * MiB,
    uploadPartBytes,
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
