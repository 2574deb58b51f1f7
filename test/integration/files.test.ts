import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createBaseCollection, createUser, startCountingProxy, type CountingProxy } from '../../dev/index.js'
import { startPocketBase, type PocketBaseHandle } from '../../src/testing/index.js'
import { createDbInterface } from '../../src/index.js'
import { useClients } from '../helpers/clients.js'
import { pocketBaseBinaryForTests } from '../helpers/pocketbase-binary.js'

const bin = pocketBaseBinaryForTests('protected file tests')

/** A 1x1 PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
)

interface Doc {
  id: string
  collectionId: string
  collectionName: string
  report: string
  picture: string
}

describe.skipIf(bin === undefined)('protected files against a real PocketBase', () => {
  let pb: PocketBaseHandle
  let proxy: CountingProxy
  const client = useClients(() => proxy.url)

  beforeAll(async () => {
    pb = await startPocketBase()
    proxy = await startCountingProxy(pb.url)
    await createBaseCollection(pb, 'docs', {
      fields: [
        { name: 'owner', type: 'relation', collectionId: 'users', maxSelect: 1 },
        { name: 'report', type: 'file', maxSelect: 1, maxSize: 1_000_000, protected: true },
        {
          name: 'picture',
          type: 'file',
          maxSelect: 1,
          maxSize: 1_000_000,
          protected: true,
          thumbs: ['10x10'],
        },
      ],
      rules: { listRule: 'owner = @request.auth.id', viewRule: 'owner = @request.auth.id' },
    })
  })

  afterAll(async () => {
    await proxy?.stop()
    await pb?.stop()
  })

  async function signedIn() {
    const user = await createUser(pb, 'users', { verified: true })
    const auth = client()
    await auth.authWithPassword(user.email, user.password)
    return { auth, db: createDbInterface(auth), id: user.id }
  }

  async function upload(owner: string, text: string): Promise<string> {
    const form = new FormData()
    form.set('owner', owner)
    form.set('report', new Blob([text], { type: 'text/plain' }), 'report.txt')
    form.set('picture', new Blob([PNG], { type: 'image/png' }), 'picture.png')
    const response = await fetch(`${pb.url}/api/collections/docs/records`, {
      method: 'POST',
      headers: { Authorization: await pb.superuserToken() },
      body: form,
    })
    expect(response.status).toBe(200)
    return ((await response.json()) as { id: string }).id
  }

  it('downloads a protected file with the file token, and not without it', async () => {
    const alice = await signedIn()
    const id = await upload(alice.id, 'quarterly numbers')
    const doc = await alice.db.collection<Doc>('docs').getOne(id)
    const url = await alice.db.files.getURL(doc, doc.report)
    expect(new URL(url).searchParams.has('token')).toBe(true)
    const withToken = await fetch(url)
    expect(withToken.status).toBe(200)
    expect(await withToken.text()).toBe('quarterly numbers')

    const bare = await fetch(await alice.db.files.getURL(doc, doc.report, { token: false }))
    expect(bare.status).toBe(404)
    await bare.body?.cancel()
  })

  it('fetches one file token for many URLs, serves thumbnails and downloads', async () => {
    const alice = await signedIn()
    const id = await upload(alice.id, 'x')
    const doc = await alice.db.collection<Doc>('docs').getOne(id)
    proxy.reset()
    const [thumb, download] = await Promise.all([
      alice.db.files.getURL(doc, doc.picture, { thumb: '10x10' }),
      alice.db.files.getURL(doc, doc.report, { download: true }),
      alice.db.files.getURL(doc, doc.picture),
    ])
    expect(proxy.count('POST /api/files/token')).toBe(1)
    const image = await fetch(thumb!)
    expect(image.status).toBe(200)
    expect(image.headers.get('content-type')).toBe('image/png')
    await image.body?.cancel()
    const attachment = await fetch(download!)
    expect(attachment.headers.get('content-disposition')).toMatch(/^attachment/)
    expect(await attachment.text()).toBe('x')
  })

  it("gives another user's file token no access to a record they cannot view", async () => {
    const alice = await signedIn()
    const bob = await signedIn()
    const id = await upload(alice.id, 'private')
    const doc = await alice.db.collection<Doc>('docs').getOne(id)
    const bobsUrl = await bob.db.files.getURL(doc, doc.report)
    const response = await fetch(bobsUrl)
    expect(response.status).toBe(404)
    await response.body?.cancel()
  })
})
