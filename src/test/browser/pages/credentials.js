// Uppy 6 in getCredentials mode, as the README's snippet (Web applications) has it, with the broker's own bundle:
// Uppy signs every S3 request in the page with the scoped credentials of GET /s3/sts and keeps the keys under the
// prefix the broker names. The tests call start(apiKey, s3Endpoint) and drive window.uppy.
import { AwsS3, Dashboard, Uppy } from '/upload/vendor/uppy.min.mjs'

window.start = async (token, s3Endpoint) => {
  const broker = window.location.origin
  let sts
  async function getCredentials() {
    const answer = await fetch(`${broker}/s3/sts`, { headers: { Authorization: `Bearer ${token}` } })
    if (!answer.ok) throw new Error(`the broker answered ${answer.status}`)
    sts = await answer.json() // { credentials, region, bucket, keyPrefix }
    return sts
  }
  await getCredentials() // the key prefix, before any key is chosen
  window.sts = { region: sts.region, bucket: sts.bucket, keyPrefix: sts.keyPrefix }
  window.uppy = new Uppy()
    .use(Dashboard, { inline: true, target: '#dashboard' })
    .use(AwsS3, {
      s3Endpoint,
      getCredentials,
      generateObjectKey: (file) => `${sts.keyPrefix}${crypto.randomUUID()}-${file.name}`,
      shouldUseMultipart: (file) => file.size >= 16 * 1024 * 1024,
    })
}
