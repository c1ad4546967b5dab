// What the page /upload imports from vendor/uppy.min.mjs: esbuild bundles these and everything they import.
export { Uppy } from '@uppy/core'
export { default as AwsS3 } from '@uppy/aws-s3'
export { default as Dashboard } from '@uppy/dashboard'
