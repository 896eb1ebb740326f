// Uploads a file to a tus endpoint with the real tus-js-client, the way a
// page or Uppy drives it, for tusjs_test.go. It prints one line of JSON.
//
//   node upload.mjs ENDPOINT FILE USER URL_STORAGE PHASE
//
// PHASE "first" starts a new upload and gives up at the first error, as a
// page does whose connection dropped; "resume" finds that upload again by
// the file's fingerprint in URL_STORAGE, as a reloaded page does, and
// finishes it.
import fs from 'node:fs'
import { FileUrlStorage, Upload } from 'tus-js-client'

const [endpoint, file, user, storage, phase] = process.argv.slice(2)

function report(result) {
  process.stdout.write(`${JSON.stringify(result)}\n`)
}

const started = Date.now()
let resumedAt = null
const upload = new Upload(fs.createReadStream(file), {
  endpoint,
  chunkSize: 5 * 1024 * 1024,
  headers: { 'X-User': user },
  metadata: { field: 'video', filename: 'big.bin', filetype: 'application/octet-stream' },
  urlStorage: new FileUrlStorage(storage),
  retryDelays: phase === 'first' ? null : [0, 200, 1000],
  removeFingerprintOnSuccess: true,
  onProgress(sent) {
    if (resumedAt === null) resumedAt = sent
  },
  onError(err) {
    report({ error: String(err), url: upload.url, ms: Date.now() - started })
  },
  onSuccess({ lastResponse }) {
    report({
      url: upload.url,
      ref: lastResponse.getHeader('Sticky-Ref'),
      reply: lastResponse.getHeader('Sticky-Reply'),
      resumedAt,
      ms: Date.now() - started,
    })
  },
})

if (phase === 'resume') {
  const previous = await upload.findPreviousUploads()
  if (previous.length === 0) {
    report({ error: 'no previous upload of this file in the URL storage' })
    process.exit(0)
  }
  upload.resumeFromPreviousUpload(previous[0])
}
upload.start()
