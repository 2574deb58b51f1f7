import { expect } from 'vitest'
import { createBaseCollection } from '../../../dev/index.js'
import { createDbInterface } from '../../../src/index.js'
import type { CompatFlow } from '../flow.js'

interface Doc {
  id: string
  collectionId: string
  report: string
}

export const filesFlow: CompatFlow = {
  name: 'files: a protected file downloads with the file token, and not without it',
  async setup({ pb }) {
    await createBaseCollection(pb, 'compat_docs', {
      fields: [
        { name: 'owner', type: 'relation', collectionId: 'users', maxSelect: 1 },
        { name: 'report', type: 'file', maxSelect: 1, maxSize: 100_000, protected: true },
      ],
      rules: { listRule: 'owner = @request.auth.id', viewRule: 'owner = @request.auth.id' },
    })
  },
  async run({ pb, client }) {
    const alice = await pb.createUser({ verified: true })
    const form = new FormData()
    form.set('owner', alice.id)
    form.set('report', new Blob(['numbers'], { type: 'text/plain' }), 'report.txt')
    const uploaded = await fetch(`${pb.url}/api/collections/compat_docs/records`, {
      method: 'POST',
      headers: { Authorization: await pb.superuserToken() },
      body: form,
    })
    expect(uploaded.status).toBe(200)
    const { id } = (await uploaded.json()) as { id: string }
    const auth = client()
    await auth.authWithPassword(alice.email, alice.password)
    const db = createDbInterface(auth)
    const doc = await db.collection<Doc>('compat_docs').getOne(id)
    const withToken = await fetch(await db.files.getURL(doc, doc.report))
    expect(withToken.status).toBe(200)
    expect(await withToken.text()).toBe('numbers')
    const without = await fetch(await db.files.getURL(doc, doc.report, { token: false }))
    expect(without.status).toBe(404)
    await without.body?.cancel()
  },
}
