// The peer of bench/tus-bench.sh: @tus/server with @tus/s3-store, as their README sets them up, on the run's RGW with
// the bucket owner's keys. Parts of PART_SIZE bytes (the broker's part size, for a like-for-like comparison). The
// store writes each part to os.tmpdir() before it sends it: the script points TMPDIR at a disk.
import { S3Store } from '@tus/s3-store'
import { Server } from '@tus/server'

const env = (name) => {
  const value = process.env[name]
  if (!value) throw new Error(`${name} is not set: run bench/tus-bench.sh`)
  return value
}

const server = new Server({
  path: '/files',
  datastore: new S3Store({
    partSize: Number(env('PART_SIZE')),
    s3ClientConfig: {
      bucket: env('LOCAL_S3STS_BUCKET'),
      region: process.env.AWS_REGION ?? 'us-east-1',
      endpoint: env('LOCAL_S3STS_ENDPOINT'),
      forcePathStyle: true,
      credentials: { accessKeyId: env('LOCAL_S3STS_ADMIN_ACCESS_KEY'), secretAccessKey: env('LOCAL_S3STS_ADMIN_SECRET_KEY') },
      // Ceph RGW 16 does not know the SDK's default CRC32 checksums.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    },
  }),
})
server.listen({ host: '127.0.0.1', port: Number(env('PORT')) })
