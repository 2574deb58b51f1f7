import { describeCompatibility } from './suite.js'

describeCompatibility('0.40.4')
