import { describeCompatibility } from './suite.js'

describeCompatibility('0.36.9')
