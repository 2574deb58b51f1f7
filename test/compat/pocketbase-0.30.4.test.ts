import { describeCompatibility } from './suite.js'

describeCompatibility('0.30.4')
